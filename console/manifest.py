"""The operator console: statistics, background exports and buyer uploads (web/console/)."""

from core.features import Feature, NavEntry

STATS_READ = "stats.read"  # the statistics pages, their JSON and their spreadsheets
JOBS_READ = "console.jobs"  # one's own background exports and uploads

FEATURE = Feature(
    name="console",
    title="运营后台",
    models=("console.models",),
    api=("api.stats",),
    pages=("web.console.views:bp",),
    staff_nav=(NavEntry("统计", "console.stats", STATS_READ),
               NavEntry("上传买方", "console.uploads", "buyers.manage"),
               NavEntry("后台任务", "console.jobs", JOBS_READ)),
    access={STATS_READ: ("operator",),
            JOBS_READ: ("operator", "claims_reviewer", "academy_editor")},
    migrations="console",
    stats=("console.stats:messages_per_day",),
)
