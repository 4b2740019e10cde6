"""The operator console's frame: ``ListPage`` (a staff list in a few lines, see
``web.console.lists``), Excel workbooks (``web.console.xlsx``), charts as inline SVG
(``web.console.charts``), warnings on the home page (``web.console.notices``), and the
console's own pages (``web.console.views``: statistics, background jobs, buyer uploads)."""
