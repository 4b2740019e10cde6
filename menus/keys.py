"""Menu click keys. The published menu and the dispatch table both use these constants.

Keys are stable identifiers: renaming one breaks the menu followers already have.
"""

# 资信红绿灯
LIGHT_LOOKUP = "LIGHT_LOOKUP"
MY_LOOKUPS = "MY_LOOKUPS"
# 小微企业信保易
POLICY_INFO = "POLICY_INFO"
POLICY_RENEWAL = "POLICY_RENEWAL"
MY_POLICIES = "MY_POLICIES"  # 我的保单（已绑定企业）
SHIPMENT_DECLARE = "SHIPMENT_DECLARE"  # 出运申报
MY_SHIPMENTS = "MY_SHIPMENTS"  # 出运记录
REMINDER_SETTINGS = "REMINDER_SETTINGS"  # 提醒设置
# 理赔
CLAIMS = "CLAIMS"
# 小微学院
ACADEMY = "ACADEMY"
ACADEMY_CASES = "ACADEMY_CASES"  # 信保说案
ACADEMY_COUNTRIES = "ACADEMY_COUNTRIES"  # 国别图书馆
# 保单融资 / 信保贷
LOANS = "LOANS"
# 营业机构
BRANCHES = "BRANCHES"
# 我的
PROFILE = "PROFILE"
HELP = "HELP"
