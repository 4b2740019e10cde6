"""小微学院: lessons (必修课), expert questions (大师课), cases (信保说案), the country library
(国别图书馆), the toolbox (小微工具箱) and country risk alerts (风险预警).

The lessons, cases and reference pages are Markdown files with front matter in
``academy_content/`` (``academy.content`` loads and checks them); what a follower did with them
(progress, quiz scores, alert subscriptions) and the alerts themselves are tables
(``academy.models``). No Flask, no WeChat: the chat, the API, the pages and the alert jobs are
adapters that call ``academy.usecases``.
"""
