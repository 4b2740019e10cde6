"""Followers: following and unfollowing, and the profile an exporter gives us."""

from core.features import Feature
from core.intents import Intent

FOLLOWERS_READ = "followers.read"

FEATURE = Feature(
    name="followers",
    title="企业资料",
    intents=(
        Intent("followers.profile", title="完善企业资料", menu_keys=("PROFILE",),
               words=("完善资料", "企业资料", "我的资料", "资料", "修改资料", "填写资料"),
               examples={"我要完善资料": None, "修改资料吧": None}),
    ),
    chat=("handlers.basics", "handlers.profile"),
    models=("followers.models",),
    api=("api.followers",),
    access={FOLLOWERS_READ: ("operator", "claims_reviewer")},
    stats=("followers.stats:followers_daily",),
)
