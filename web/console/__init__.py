"""The operator console's frame: ``ListPage`` (a staff list in a few lines, see
``web.console.lists``), Excel workbooks (``web.console.xlsx``), charts as inline SVG
(``web.console.charts``), and the console's own pages (``web.console.views``: statistics,
background jobs, buyer uploads)."""
