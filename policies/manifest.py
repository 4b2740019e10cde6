"""小微企业信保易: eligibility, binding a follower to its enterprise, its policies, renewal
applications, shipment declarations and the SOL-like reminders."""

from collections.abc import Iterator, Mapping
from typing import Any

from core.features import Feature, NavEntry
from core.intents import Intent

POLICIES_READ = "policies.read"  # staff: enterprises, policies, renewals, shipments
POLICIES_MANAGE = "policies.manage"  # staff: change a renewal application's status

INFO = Intent(
    "policies.info", title="小微企业信保易", menu_keys=("POLICY_INFO",),
    words=("信保易", "小微信保易", "小微企业信保易", "信保易保单", "小微企业专属保单", "投保",
           "我要投保", "怎么投保", "如何投保", "投保流程", "承保范围", "保什么", "信宝易",
           "小薇信保易", "信保易是什么", "出口信用保险", "信用保险", "xinbaoyi",
           "export credit insurance"),
    patterns=(r".{0,6}(?:小微企业信保易|小微信保易|信保易).{0,3}(?:介绍|是什么|怎么样|详情|简介"
              r"|保什么|怎么买).{0,4}",
              r".{0,4}(?:介绍|讲讲|说说|了解)(?:一下|下)?(?:小微企业信保易|小微信保易|信保易).{0,4}"),
    examples={"信保易怎么申请": None, "我想投保": None, "信保易是什么？": None,
              "小微企业信保易介绍一下": None, "介绍一下信保易": None},
)
ELIGIBILITY = Intent(
    "policies.eligibility", title="能否投保信保易（适用企业测试）",
    words=("能投保吗", "我能投保吗", "能不能投保", "可以投保吗", "能否投保", "投保条件",
           "适用企业", "投保资格", "资格测试", "符合条件吗", "我符合条件吗", "是否符合",
           "小微企业认定", "是不是小微企业", "小微企业划型", "企业划型", "划型", "测一测",
           "能投保嗎", "投保條件", "am i eligible", "eligibility", "eligible"),
    patterns=(r".{0,20}(?:能|可以|可否|能否|够)(?:不能)?(?:投保|买|办理)(?:信保易|这个)?"
              r"(?:吗|么|嘛)?.{0,12}",
              r".{0,8}(?:是|算|属于)(?:不是|不算)?小微(?:企业|型企业)?(?:吗|么|嘛|呢)?"),
    examples={"出口额500万美元能投保信保易吗": None, "我们公司能不能投保": None,
              "我是小微企业吗": None, "我们算不算小微企业": None},
    priority=1,
)
BIND = Intent(
    "policies.bind", title="绑定企业",
    words=("绑定企业", "绑定", "企业绑定", "绑定保单", "认证企业", "企业认证", "关联企业",
           "绑定公司", "綁定企業", "綁定", "bind", "bind enterprise", "link company"),
    examples={"我要绑定企业": None, "怎么绑定企业？": None},
)
UNBIND = Intent(
    "policies.unbind", title="解除企业绑定",
    words=("解绑", "解除绑定", "解绑企业", "取消绑定", "解除企业绑定", "换绑", "解綁", "unbind"),
    examples={"我要解绑": None},
)
MY_POLICIES = Intent(
    "policies.mine", title="我的保单", menu_keys=("MY_POLICIES",),
    words=("我的保单", "保单", "查保单", "保单查询", "查询保单", "保单信息", "我的限额", "限额",
           "买方限额", "信用限额", "限额查询", "我的保單", "保單", "my policy", "my policies",
           "policy"),
    patterns=(r"(?:查|查询|看|看看)(?:一下|下)?(?:我的|我们的)?(?:保单|限额|信用限额)"
              r"(?:信息|情况)?",
              r".{0,4}(?:我的|我们的)?(?:保单|限额|信用限额).{0,2}(?:还有多少|剩多少|还剩|余额"
              r"|用了多少).{0,4}"),
    examples={"查一下我的保单": None, "我的限额还有多少": None},
)
RENEWAL = Intent(
    "policies.renewal", title="保单续转", menu_keys=("POLICY_RENEWAL",),
    words=("续保", "续转", "保单续转", "续转保单", "保单续期", "续约", "续报", "保单续传",
           "申请续转", "申请续保", "續保", "續轉", "保單續轉", "renewal", "renew",
           "renew policy"),
    examples={"怎么续保？": None, "我要续转保单": None, "保单快到期了怎么办": None},
    patterns=(r".{0,8}保单.{0,4}(?:到期|过期).{0,10}",),
)
RENEWALS = Intent(
    "policies.renewals", title="续转申请进度",
    words=("续转进度", "续保进度", "我的续转", "续转申请", "续转状态", "续保申请"),
)
SHIPMENT = Intent(
    "policies.shipment", title="出运申报", menu_keys=("SHIPMENT_DECLARE",),
    words=("出运申报", "申报出运", "出口申报", "申报", "出运", "发货申报", "申报发货",
           "出運申報", "申報", "declare shipment", "shipment declaration", "declare"),
    examples={"我要申报出运": None, "出运申报怎么做": None},
)
SHIPMENTS = Intent(
    "policies.shipments", title="出运记录", menu_keys=("MY_SHIPMENTS",),
    words=("出运记录", "我的出运", "申报记录", "出运列表", "已申报", "出运明细", "应收账款",
           "my shipments", "shipments"),
)
COLLECTED = Intent(
    "policies.collected", title="收汇确认", slot="invoice",
    words=("收汇确认", "已收汇", "确认收汇"),
    commands=("收汇确认", "已收汇", "确认收汇", "收汇"),
    examples={"已收汇 INV-2026-001": "INV-2026-001", "收汇确认：A123": "A123"},
)
REMINDERS = Intent(
    "policies.reminders", title="提醒设置", menu_keys=("REMINDER_SETTINGS",),
    words=("提醒设置", "提醒", "业务提醒", "消息提醒", "设置提醒", "续转提醒", "保单续转提醒",
           "应收汇提醒", "应报可损提醒", "长期闲置限额预撤销提醒", "闲置限额提醒", "提醒設置",
           "reminders", "reminder settings"),
)
_KINDS = r"(?P<kind>续转|续保|应收汇|收汇|可损|应报可损|报损|闲置|闲置限额|限额|全部|所有)?"
MUTE = Intent(
    "policies.mute", title="关闭提醒", slot="kind",
    patterns=(rf"(?:关闭|关掉|取消|不要|停止|屏蔽)(?:接收)?{_KINDS}(?:的)?提醒",),
    examples={"关闭续转提醒": "续转", "不要应收汇提醒": "应收汇", "关闭提醒": None},
)
UNMUTE = Intent(
    "policies.unmute", title="开启提醒", slot="kind",
    patterns=(rf"(?:开启|打开|恢复|开通|接收)(?:接收)?{_KINDS}(?:的)?提醒",),
    examples={"开启续转提醒": "续转", "恢复全部提醒": "全部"},
)


def check_settings(section: Mapping[str, Any]) -> Iterator[str]:
    """config.toml's [policies] table; each problem names its key."""
    sms = section.get("sms", {})
    provider = sms.get("provider", "")
    if provider not in ("development", "http"):
        yield ("SMS_PROVIDER is missing or unknown (sms.provider): name the SMS provider the "
               "one-time binding codes go through, \"http\" (your SMS gateway: SMS_GATEWAY_URL "
               "and SMS_GATEWAY_TOKEN) or \"development\" (logs the code; development only), "
               f"got {provider!r}")
    if provider == "http":
        for name, variable in (("url", "SMS_GATEWAY_URL"), ("token", "SMS_GATEWAY_TOKEN")):
            if not sms.get(name):
                yield f"{variable} is missing (sms.{name}): the http SMS provider needs it"
    binding = section.get("binding", {})
    for name in ("code_minutes", "code_failures", "codes_per_hour", "attempts_per_day"):
        value = binding.get(name, 1)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            yield f"binding.{name} must be a whole number of at least 1, got {value!r}"
    reminders = section.get("reminders", {})
    for name in ("renewal_days", "receivable_days"):
        value = reminders.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, int) and v >= 0
                                                   for v in value):
            yield f"reminders.{name} must be a list of whole numbers of days, got {value!r}"
    at = str(reminders.get("run_at", "09:00"))
    if not _is_time(at):
        yield f"reminders.run_at must be HH:MM (Beijing time), got {at!r}"


def _is_time(value: str) -> bool:
    hours, _, minutes = value.partition(":")
    return (hours.isdigit() and minutes.isdigit() and 0 <= int(hours) < 24
            and 0 <= int(minutes) < 60)


FEATURE = Feature(
    name="policies",
    title="小微企业信保易",
    intents=(INFO, ELIGIBILITY, BIND, UNBIND, MY_POLICIES, RENEWAL, RENEWALS, SHIPMENT,
             SHIPMENTS, COLLECTED, REMINDERS, MUTE, UNMUTE),
    chat=("handlers.policies",),
    models=("policies.models",),
    api=("api.eligibility", "api.enterprise", "api.policies", "api.renewals", "api.shipments"),
    pages=("web.policies:bp", "web.policies:staff"),
    staff_nav=(NavEntry("续转申请", "policies_staff.renewals", POLICIES_READ),),
    access={POLICIES_READ: ("operator", "claims_reviewer"), POLICIES_MANAGE: ("operator",)},
    settings="policies",
    validate_settings=check_settings,
    cli=("xinbao_cli.policies",),
    migrations="policies",
    stats=("policies.stats:renewals",),
    periodic=("wechat.notices:schedule_reminders",),
)
