"""The catalogue of refusals: every code a command can be refused with, and its message in
Chinese and in English.

Why a Python module of data, here in the domain: the domain gives its own English message
(``str(error)``, which the command line and the logs print) and does no I/O, so its catalogue
has to be importable without reading a file; and a dict literal is checked by ruff and mypy like
the code that raises. ``tests/unit/test_refusals.py`` reads every raise site in ``src/`` with
``ast`` and fails on a code that is not here, an entry without a Chinese message, half-width
punctuation in Chinese, or placeholders that differ from the parameters a raise site gives.

A message's ``{name}`` takes the raise site's keyword value ``name`` (``{field}``: the name of
the input field); ``{name:words}`` shows the value by its Chinese name from ``WORDS[words]`` in
the Chinese message (the English one shows the value as it is); other format specs are Python's
(``{max_points:g}``). Chinese messages are whole sentences with full-width punctuation; the
English ones stay short, lower-case and without a full stop, as logs print them.
"""

from __future__ import annotations

# The Chinese names of values that messages show (a level, a role, a plan's status...).
WORDS: dict[str, dict[str, str]] = {
    "level": {"branch": "党支部", "group": "党小组", "member": "党员"},
    "pool": {"members": "党员", "constituents": "党外群众"},
    "level_count": {"branch": "个党支部", "group": "个党小组", "member": "名党员"},
    "role": {
        "committee-admin": "党委管理员",
        "committee-viewer": "党委查看",
        "auditor": "审计",
        "branch-secretary": "支部书记",
        "branch-clerk": "组织委员",
        "group-leader": "党小组长",
        "member": "党员",
        "rater": "测评人",
        "system": "系统",
        "self": "本人",
    },
    "branch_role": {"secretary": "书记", "organiser": "组织委员", "group-leader": "党小组长"},
    "plan_status": {
        "draft": "草稿",
        "discussed": "支委会已讨论",
        "circulated": "征求意见中",
        "final": "已定稿",
        "submitted": "已报党委",
        "revised": "已修改",
    },
    "plan_action": {
        "discuss": "记录讨论情况",
        "revise": "修改",
        "answer a return of": "答复退回意见",
        "circulate": "征求意见",
        "comment on": "记录意见",
        "finalise": "定稿",
        "submit": "报党委审批",
    },
    "kind": {
        "plan": "活动方案",
        "nominee": "推荐对象",
        "measure": "党支部措施",
        "midyear-report": "半年初评情况",
        "annual-summary": "年度总结",
    },
    "outcome": {"approved": "批准", "returned": "退回", "acknowledged": "已收悉"},
    "stage": {"midyear": "半年初评", "year-end": "年终总评"},
    "report_to": {
        "group": "党小组",
        "branch": "党支部",
        "committee": "党委",
        "members-meeting": "党员大会",
    },
    "plan_rule": {
        "veto_incompetent_share": "不合格票比例上限",
        "veto_min_trust": "最低信任度",
        "min_turnout": "最低参评率",
    },
    "log": {"branch": "支部日志", "committee": "党委日志"},
}

# code: (Chinese, English)
MESSAGES: dict[str, tuple[str, str]] = {
    # Any command's input
    "text.empty": ("此项不能为空。", "{field} must not be empty"),
    "text.too_long": (
        "不能超过 {max_length} 个字。",
        "{field} is longer than {max_length} characters",
    ),
    "text.bad_character": (
        "不能含有控制字符或无效字符（{character}）。",
        "{field} holds a control or invalid character ({character})",
    ),
    "text.not_text": ("此项应为文字。", "{field} must be text"),
    "code.malformed": (
        "代码只能用字母和数字（党员编号、党小组代码还可用 - 和 _），最多 20 位。",
        "{field} must be 1-20 letters and digits (member numbers and group codes: also - and _)",
    ),
    "date.missing": ("请填写日期（年-月-日，如 2026-03-01）。", "{field}: a date is required"),
    "date.malformed": (
        "“{value}”不是有效的日期，日期格式应为年-月-日，如 2026-03-01。",
        "{value!r} is not a date (YYYY-MM-DD)",
    ),
    "date.in_future": (
        "日期 {value} 晚于今天（{today}），这件事还没有发生，请填写实际日期。",
        "{value} is after today ({today}): give the day it happened",
    ),
    "as_of.in_future": (
        "日期 {value} 晚于今天（{today}），只能查看今天及以前的情况。",
        "{value} is after today ({today}): a view as of a day shows what had happened by then",
    ),
    "commendation.before_year": (
        "表彰日期应在 {year} 年内或之后：表彰的是该年度的工作。",
        "a commendation for {year} is dated in that year or after it",
    ),
    "measure.criteria_other_level": (
        "勾选的评选条件都不属于所选层级，请勾选该层级的评选条件。",
        "the criteria ticked are all of another level: tick the chosen level's",
    ),
    "date.before_previous_step": (
        "日期 {value} 早于上一步的日期（{after}），请按实际先后填写。",
        "{value} is before the previous step's date ({after})",
    ),
    "assessment.before_period": (
        "考核日期 {value} 早于所考核的月份或季度（自 {start} 起），请填写实际考核的日期。",
        "{value} is before the period assessed (from {start})",
    ),
    "level.unknown": ("层级应为党支部、党小组或党员。", "level is branch, group or member"),
    "month.out_of_range": ("月份应为 1 到 12。", "month must be 1-12"),
    "quarter.out_of_range": ("季度应为 1 到 4。", "quarter must be 1-4"),
    "subject.unknown": ("{level:level}{subject}不存在。", "unknown subject {level} {subject}"),
    # Who may do what
    "role.forbidden": ("您的角色无权进行此操作。", "your role may not do this"),
    "role.may_not": ("“{role:role}”角色无权进行此操作。", "role {role} may not do this"),
    "tenant.not_yours": (
        "用户 {user} 不能代表 {tenant} 操作。",
        "{user} does not act for {tenant}",
    ),
    "recording.no_actor": (
        "只有以某一身份执行的操作才能记录事件。",
        "events can only be recorded by a command with an actor",
    ),
    "resource.not_found": ("未找到所请求的内容。", "not found"),
    "record.changed_meanwhile": (
        "他人刚刚修改了这条记录，请刷新后重试。",
        "someone else changed this record first; reload and try again",
    ),
    "record.not_found": ("未找到相应的记录。", "a stored record was not found"),
    "year.finalising": (
        "党委正在结束该年度的考评或将其封存归档，本次内容未保存。请稍候再试。",
        "the committee is closing or sealing this year; nothing was saved, try again shortly",
    ),
    "year.final_meanwhile": (
        "党委刚刚结束了该年度的考评或将其封存归档，本次内容未保存。请刷新后查看。",
        "the committee closed or sealed this year meanwhile; nothing was saved, reload to see",
    ),
    # Tenants, accounts and sign-in
    "registry.not_found": ("尚未建立租户登记簿。", "registry not found"),
    "tenant.code_malformed": (
        "代码应为 1–40 位小写字母、数字或下划线，并以字母开头。",
        "tenant code {code!r} must be 1-40 characters of a-z, 0-9 and _, starting with a letter",
    ),
    "tenant.not_found": ("单位 {tenant} 不存在。", "tenant {tenant} not found"),
    "tenant.code_taken": ("代码 {code} 已被占用。", "tenant code {code} is taken"),
    "committee.not_found": ("党委 {committee} 不存在。", "committee {committee} not found"),
    "committee.registered_already": (
        "党委代码 {committee} 已登记。",
        "committee {committee} is registered already",
    ),
    "committee.open_already": (
        "党委 {committee} 已开通。",
        "committee {committee} is open already",
    ),
    "committee.placed_already": (
        "党委 {committee} 已分配到数据单元 {cell}，不能再分配。",
        "committee {committee} is placed in cell {cell} already",
    ),
    "cell.name_malformed": (
        "数据单元名称应为 1–31 位小写字母、数字或下划线，并以字母开头。",
        "cell name {cell!r} must be 1-31 characters of a-z, 0-9 and _, starting with a letter",
    ),
    "cell.unknown": (
        "数据单元 {cell} 未配置（已配置：{known}）。",
        "cell {cell} is not configured (configured: {known})",
    ),
    "cell.unavailable": (
        "数据单元 {cell} 暂时无法连接，请稍后再试。",
        "cell {cell} cannot be reached now; try again later",
    ),
    "cell.unconfigured": (
        "数据单元 {cell} 未在本服务配置，请联系系统管理员。",
        "cell {cell} is not configured in this service (CXZY_CELLS)",
    ),
    "sign_in.unavailable": (
        "暂时无法登录，请稍后再试。",
        "signing in is unavailable now; try again later",
    ),
    "branch.other_cell": (
        "党委 {committee} 在数据单元 {committee_cell}，其党支部不能放在数据单元 {cell}。",
        "committee {committee} lives in cell {committee_cell}; its branches cannot go to {cell}",
    ),
    "committee.ambiguous": (
        "共有 {count} 个党委，请用 --committee 指定其中一个。",
        "name the committee (--committee): there are {count}",
    ),
    "acknowledge.no_subject": (
        "没有可确认的{kind:kind}。",
        "no such {kind} to acknowledge",
    ),
    "branch.not_found": ("党支部 {branch} 不存在。", "branch {branch} not found"),
    "branch.open_already": ("党支部 {branch} 已开通。", "branch {branch} is open already"),
    "manifest.not_found": ("找不到租户清单文件 {path}。", "manifest {path} not found"),
    "manifest.not_toml": (
        "租户清单文件 {path} 不是有效的 TOML 格式：{error}。",
        "manifest {path} is not valid TOML: {error}",
    ),
    "manifest.committee_incomplete": (
        "{source} 的 [committee] 须有代码和名称。",
        "{source}: [committee] needs code and name",
    ),
    "manifest.branch_incomplete": (
        "{source} 的第 {number} 个党支部须有代码和名称。",
        "{source}: branch #{number} needs code and name",
    ),
    "manifest.member_incomplete": (
        "清单 {source} 中党支部 {branch} 的党员缺少编号或姓名。",
        "{source}: a member of branch {branch} lacks member_no or name",
    ),
    "manifest.member_group": (
        "清单 {source} 中党支部 {branch} 的党员所在党小组 {group} 不在该支部的党小组之中。",
        "{source}: branch {branch} has no group {group} for a member",
    ),
    "manifest.members_malformed": (
        "清单 {source} 中党支部 {branch} 的党员应为人数或党员列表。",
        "{source}: members of branch {branch} must be a count or a list of members",
    ),
    "manifest.members_counted": (
        "清单 {source} 中党支部 {branch} 只写了党员人数（{count} 名，供演示生成），"
        "没有党员名单；请列出每名党员（编号、姓名、入党日期）。",
        "{source}: branch {branch} gives a count of {count} members (for the demo to generate),"
        " not a list: list each member (member_no, name, joined_on) to load them",
    ),
    "manifest.groups_malformed": (
        "{source} 中党支部 {branch} 的党小组应为名称列表。",
        "{source}: branch {branch}: groups must be a list of names",
    ),
    "member.phone_malformed": (
        "电话号码应为 5 到 20 位数字，可以“+”开头，数字之间可用空格或“-”分隔。",
        "phone: 5-20 digits, an optional leading +, spaces or - between digits",
    ),
    "user.name_malformed": (
        "用户名应为 2–40 位小写字母、数字或 . _ -，并以字母开头。",
        "username: 2-40 of a-z, 0-9, . _ -, starting with a letter",
    ),
    "user.exists": ("用户名 {username} 已存在。", "user {username} exists already"),
    "user.not_found": ("用户 {username} 不存在。", "user {username} not found"),
    "user.sign_in_failed": ("用户名或密码错误。", "unknown user or wrong password"),
    "account.unknown_role": ("请从列表中选择角色。", "role must be one of {choices}"),
    "account.holds_role": (
        "用户 {user} 在 {tenant} 已有“{role:role}”角色。",
        "{user} already holds {role} for {tenant}",
    ),
    "account.lacks_role": (
        "用户 {user} 在 {tenant} 没有“{role:role}”角色。",
        "{user} does not hold {role} for {tenant}",
    ),
    "account.member_linked": (
        "用户 {user} 已关联 {branch} 的党员 {member_no}。",
        "{user} is member {member_no} of {branch} already",
    ),
    "account.group_for_leaders": (
        "只有党小组长的授权才指定党小组。",
        "only a group leader's grant names a group",
    ),
    "account.committee_role": (
        "“{role:role}”是党委的角色，不能授予党支部的用户。",
        "role {role} is the committee's: it cannot be granted for a branch",
    ),
    "account.branch_role": (
        "“{role:role}”是党支部的角色，请选择一个党支部。",
        "role {role} is a branch's: name the branch",
    ),
    "account.may_not_grant": (
        "您不能授予“{role:role}”角色。",
        "you may not grant role {role}",
    ),
    "account.may_not_manage": (
        "“{role:role}”角色不能管理用户。",
        "role {role} may not manage users",
    ),
    "account.disabled_already": ("用户 {user} 已停用。", "{user} is disabled already"),
    "account.enabled_already": ("用户 {user} 未停用。", "{user} is not disabled"),
    "account.own_reset": (
        "不能重置自己的密码，请用“修改密码”（需要输入现在的密码）。",
        "you may not reset your own password; change it with your current one",
    ),
    "account.own": (
        "不能停用自己的账号，请由其他管理员办理。",
        "you may not disable your own account; ask another admin",
    ),
    "account.own_admin": (
        "不能撤销自己的管理员角色，请由其他管理员办理。",
        "you may not revoke your own admin role; ask another admin",
    ),
    "account.not_yours": (
        "只能修改自己的密码或退出自己的账号。",
        "only the account's own user may do this",
    ),
    "password.wrong": ("当前密码不正确。", "the current password is wrong"),
    "password.weak": (
        "密码太容易被猜到：请用至少 10 位、更不常见的密码，例如几个不相关的词连在一起。",
        "the password is too easy to guess: use 10 characters or more, less common ones",
    ),
    "password.same": (
        "新密码不能与当前密码相同。",
        "the new password must differ from the current one",
    ),
    "password.mismatch": ("两次输入的新密码不一致。", "the two new passwords differ"),
    "password.change_required": (
        "请先修改一次性密码，然后再使用。",
        "change the one-time password first",
    ),
    "idempotency.key_malformed": (
        "Idempotency-Key 应为 1–200 个可打印字符。",
        "Idempotency-Key: 1-200 printable characters",
    ),
    "idempotency.key_reused": (
        "这个 Idempotency-Key 已用于另一个请求，请为新的请求换一个键。",
        "this Idempotency-Key was used for another request",
    ),
    "idempotency.in_progress": (
        "使用这个 Idempotency-Key 的请求正在办理，或已办理但答复丢失；请读取该资源查看结果。",
        "a request with this Idempotency-Key is being carried out, or was carried out and its "
        "response lost; read the resource to see its effect",
    ),
    "request.too_many": (
        "尝试次数过多，请 {seconds} 秒后再试。",
        "too many attempts; try again in {seconds} seconds",
    ),
    # Groups and members
    "group.exists": ("党小组代码 {group} 已存在。", "group {group} exists already"),
    "group.name_taken": (
        "已有名为“{name}”的党小组（代码 {group}），请换一个名称。",
        "a group named {name} exists already ({group})",
    ),
    "group.name_unchanged": ("党小组已叫“{name}”，无需更名。", "the group is named {name} already"),
    "group.not_found": ("党小组 {group} 不存在。", "group {group} not found"),
    "group.dissolved": ("党小组 {group} 已撤销。", "group {group} has been dissolved"),
    "group.has_members": (
        "该党小组还有 {count} 名党员，请先将他们调出。",
        "group {group} still has {count} members; move them first",
    ),
    "member.not_found": ("党员 {member_no} 不存在。", "member {member_no} not found"),
    "member.number_taken": (
        "党员编号 {member_no} 已被使用。",
        "member number {member_no} is taken",
    ),
    "member.unknown_status": ("状态应为正式党员或预备党员。", "status must be one of {choices}"),
    "member.in_group_already": (
        "该党员已在这个党小组。",
        "member {member_no} is already in that group",
    ),
    "member.full_already": ("该党员已是正式党员。", "member {member_no} is already a full member"),
    "member.unknown_role": ("职务应为书记、组织委员或党小组长。", "role must be one of {choices}"),
    "member.holds_role": (
        "该党员已担任{role:branch_role}。",
        "member {member_no} already holds role {role}",
    ),
    "member.lacks_role": (
        "该党员未担任{role:branch_role}。",
        "member {member_no} does not hold role {role}",
    ),
    "member.left": (
        "党员 {member_no} 已于 {on} 转出本支部。",
        "member {member_no} left the branch on {on}",
    ),
    "member.erased_already": (
        "党员 {member_no} 的个人信息已经删除。",
        "the personal data of member {member_no} was erased already",
    ),
    "member.erase_forbidden": (
        "用户 {user}（{role:role}）无权删除 {tenant} 党员的个人信息。",
        "{user} ({role}) may not erase members of {tenant}",
    ),
    # Campaigns and plans
    "campaign.year_out_of_range": (
        "年度应在 2000 到 2100 之间。",
        "year must be between 2000 and 2100",
    ),
    "campaign.year_not_next": (
        "已有 {latest} 年度活动，新开的活动应为 {next} 年度，"
        "不能跳过或回到其他年份（填写的是 {year} 年）。",
        "the campaign after {latest} is {next}, not {year}",
    ),
    "campaign.closed_before_start": (
        "结束日期 {on} 早于 {year} 年度活动的开始（{start}），请填写 {start} 或之后的日期。",
        "campaign {year} cannot close on {on}, before its start ({start})",
    ),
    "campaign.closed_before_year_end": (
        "{year} 年度活动在年终总评之后结束：结束日期 {on} 太早，请填写 {earliest} 或之后的日期。",
        "campaign {year} closes after its year-end evaluation: not on {on}, on {earliest} or later",
    ),
    "archive.ballots_open": (
        "{branch} {year} 年度还有 {count} 次民主测评没有结束，请先结束测评并计票，再封存。",
        "{branch} has {count} ballots of {year} still open: close and count them before sealing",
    ),
    "campaign.decisions_waiting": (
        "还有 {count} 个党支部报送的活动方案或推荐名单等待党委审批（{branches}），"
        "请先审批，再结束 {year} 年度活动。",
        "branches whose plan or nominees wait for the committee's decision ({branches}): "
        "decide them first",
    ),
    "campaign.ballots_open": (
        "还有 {count} 个党支部的民主测评没有结束（{branches}），"
        "请先结束测评并计票，再结束 {year} 年度活动。",
        "branches with ballots still open ({branches}): close and count them first",
    ),
    "campaign.open_already": ("{year} 年度活动已经开启。", "the {year} campaign is open already"),
    "campaign.not_found": ("{year} 年度活动不存在。", "campaign {year} not found"),
    "committee.no_campaign": (
        "党委 {committee} 没有 {year} 年度活动。",
        "committee {committee} has no campaign {year}",
    ),
    "campaign.not_in_read_models": (
        "统计数据中还没有 {year} 年度活动，请联系系统管理员重新统计。",
        "no campaign {year} in the read models (try `cxzy project rebuild`)",
    ),
    "campaign.closed": (
        "{year} 年度活动已于 {on} 结束，该年度的内容不能再修改；确需更正的，由党委管理员发起更正。",
        "campaign {year} closed on {on}: the year is final; a committee admin may amend it",
    ),
    "campaign.leaderboard_unchanged": ("排行榜已是这一设置。", "the leaderboard is already so"),
    "plan.not_found": ("{year} 年度活动方案不存在。", "plan for {year} not found"),
    "plan.exists": (
        "{year} 年度活动方案已存在，请在原方案上修改。",
        "a plan for {year} exists already; revise it",
    ),
    "plan.wrong_status": (
        "活动方案当前为“{status:plan_status}”状态，不能{doing:plan_action}。",
        "cannot {doing} a plan that is {status}",
    ),
    "plan.return_answered": ("该退回意见已经答复过。", "that return has been answered already"),
    "plan.waiting_for_decision": (
        "已报批的活动方案正在等待党委审批，暂不能修改。",
        "the submitted plan is waiting for the committee's decision",
    ),
    "plan.approved": (
        "活动方案已获党委批准，按现有内容执行，不能再修改。",
        "the plan was approved; it is in force as it stands",
    ),
    "plan.not_submitted": (
        "{branch:branch}的活动方案当前为“{status:plan_status}”，不是待审批状态。",
        "the plan of {branch} is {status}, not submitted",
    ),
    "plan.content_not_object": ("活动方案内容的格式有误。", "plan content must be an object"),
    "plan.criterion_level": (
        "评选条件的层级应为党支部、党小组或党员。",
        "criterion level must be one of {choices}",
    ),
    "plan.criterion_number": (
        "评选条件的序号应为正整数。",
        "a criterion's number must be a whole number above 0",
    ),
    "plan.criterion_text": ("评选条件的内容不能为空。", "a criterion's text must not be empty"),
    "plan.criterion_twice": (
        "{level:level}层级的第 {number} 条评选条件重复。",
        "criterion {level} {number} twice",
    ),
    "plan.no_criterion": (
        "活动方案中没有{level:level}层级的第 {criterion} 条评选条件。",
        "the plan has no {level} criterion {criterion}",
    ),
    "plan.no_criteria": (
        "活动方案缺少{level:level}层级的评选条件。",
        "the plan has no {level} criteria",
    ),
    "plan.no_items": (
        "活动方案缺少{level:level}层级的评分项目。",
        "the plan has no {level} scoring items",
    ),
    "plan.item_malformed": (
        "每个评分项目都须有代码、层级、评选条件、名称、满分和权重。",
        "each scoring item needs code, level, criterion, title, max_points, weight",
    ),
    "plan.item_code": (
        "评分项目代码“{item}”只能用字母和数字，最多 20 位。",
        "item code {item!r} must be 1-20 letters and digits",
    ),
    "plan.item_twice": ("评分项目 {item} 重复。", "scoring item {item} twice"),
    "plan.item_level": ("评分项目 {item} 的层级无效。", "item {item}: unknown level"),
    "plan.item_criterion": (
        "评分项目 {item} 对应的{level:level}层级第 {criterion} 条评选条件在方案中不存在。",
        "item {item} names criterion {level} {criterion}, which the plan lacks",
    ),
    "plan.item_max_points": (
        "评分项目 {item} 的满分应大于 0。",
        "item {item}: max points must be > 0",
    ),
    "plan.item_weight": ("评分项目 {item} 的权重不能为负数。", "item {item}: weight must be >= 0"),
    "plan.weights": (
        "综合权重只能包括工作、测评和目标三项，不能为负数，也不能全为零。",
        "composite_weights: work, rating, target, not negative, not all zero",
    ),
    "plan.rules_not_object": ("评选规则的格式有误。", "rules must be an object"),
    "plan.rating_aggregate": (
        "测评汇总方式应为平均数或中位数。",
        "rules.rating_aggregate must be mean or median",
    ),
    "plan.midyear_basis": (
        "半年初评结果的用法只能是作为参考、作为条件或不使用。",
        "midyear_basis must be advice, condition or off",
    ),
    "plan.members_see_colleagues": (
        "党员能否查看他人得分须为是或否。",
        "members_see_colleagues must be true or false",
    ),
    "plan.branch_keeps": (
        "党委方案规定支部须沿用的部分无效。",
        "branch_keeps must list parts among {choices}",
    ),
    "plan.kept_by_committee": (
        "党委方案规定“{part}”须与党委方案一致，支部方案不能修改。",
        "the committee's plan keeps {part}: a branch plan must have it as the committee's",
    ),
    "plan.quota_rounding": (
        "名额取整方式只能是向下取整或向上取整。",
        'quota_rounding must be "down" or "up"',
    ),
    "plan.quota_fraction": (
        "推荐名额比例应为 0 到 1 之间的分数，如 1/3，也可不填。",
        'rules.quota_fraction must be a share between 0 and 1, such as "1/3" (or absent)',
    ),
    "plan.rule_share": (
        "{rule:plan_rule}应为 0 到 1 之间的分数，如 2/3，也可不填。",
        'rules.{rule} must be a share between 0 and 1, such as "2/3" (or absent)',
    ),
    "plan.version_not_found": (
        "活动方案没有第 {version} 稿。",
        "the plan has no version {version}",
    ),
    # Measures, daily records, assessments, inspections, meetings
    "measure.no_criteria": ("请至少选择一条评选条件。", "name at least one criterion"),
    "measure.due_outside_year": ("完成时限应在 {year} 年内。", "the due date must fall in {year}"),
    "measure.report_to": (
        "报告对象不符合该措施的层级。",
        "a {level} measure is reported to {targets}",
    ),
    "measure.reported_already": (
        "该措施已向{to:report_to}报告过。",
        "this measure was reported to the {to} already",
    ),
    "measure.not_reported_below": (
        "只有向党小组或党支部报告的措施才在此确认。",
        "only measures reported to the group or branch are acknowledged here",
    ),
    "measure.acknowledged_already": ("该措施已确认过。", "this measure was acknowledged already"),
    "measure.done_already": ("该措施已于 {on} 完成。", "this measure was marked done on {on}"),
    "measure.done_outside_year": ("完成日期应在 {year} 年内。", "completion must fall in {year}"),
    "leader.no_group": (
        "您的党小组长授权未指明党小组，请联系支部书记重新授权。",
        "your group leader's grant names no group",
    ),
    "leader.members_only": (
        "党小组长只考核、记载本小组的党员；党小组由党支部考核。",
        "a group leader acts for the members of group {group} only; the branch assesses groups",
    ),
    "leader.not_own_group": (
        "{subject:member} 不是您所在党小组（{group:group}）的党员。",
        "{subject} is not a member of your group {group}",
    ),
    "measure.members_own_only": (
        "党员只能办理本人的措施。",
        "members act on their own measures only",
    ),
    "measure.not_found": ("该措施不存在。", "measure not found"),
    "daily_record.date_outside_year": (
        "记载日期应在 {year} 年内。",
        "the record's date must fall in {year}",
    ),
    "daily_record.retracted_already": ("该记载已撤回。", "this record was retracted already"),
    "daily_record.not_found": ("该记载不存在。", "record not found"),
    "evidence.empty": ("上传的文件是空的，请重新选择文件。", "the uploaded file is empty"),
    "evidence.over_limit": (
        "上传的文件超过了每个文件 {max_mb} MB 的上限。请压缩或分开上传。",
        "the upload is over the limit of {max_mb} MB a file",
    ),
    "request.too_large": (
        "提交的文件或内容过大：最多 {limit_kb} KB，请缩小后或分批提交。",
        "the request body is over the limit of {limit_kb} KB",
    ),
    "evidence.too_large": (
        "文件大小为 {size_mb} MB，超过了每个文件 {max_mb} MB 的上限。请压缩或分开上传。",
        "the file is {size_mb} MB, over the limit of {max_mb} MB a file",
    ),
    "evidence.type_refused": (
        "不支持这种文件（{suffix}）。可上传 JPEG、PNG 图片，PDF，Word、Excel 文档或文本文件。",
        "file type {suffix} is not accepted (JPEG, PNG, PDF, Word, Excel or text)",
    ),
    "evidence.content_not_type": (
        "文件内容不是 {kind}（文件名为 {suffix}），可能已损坏或并非此类文件，请检查后重新上传。",
        "the file's content is not of the type its name's ending {suffix} says",
    ),
    "evidence.type_mismatch": (
        "文件内容与扩展名（{suffix}）不符，请检查后重新上传。",
        "the file's content does not match its name's ending {suffix}",
    ),
    "evidence.no_file": ("请选择要上传的文件。", "no file was sent"),
    "evidence.bad_hash": ("文件摘要无效。", "bad file digest"),
    "evidence.item_unknown": (
        "佐证材料只能附在日常记载、措施、事迹材料或季度检查上。",
        "evidence attaches to a record, a measure, a deed material or an inspection",
    ),
    "evidence.attached_already": (
        "同一个文件已经附在这一项上了。",
        "this file is attached to this item already",
    ),
    "evidence.withdrawn_already": ("该佐证材料已撤回。", "this evidence was withdrawn already"),
    "evidence.not_found": ("该佐证材料不存在。", "evidence not found"),
    "evidence.file_erased": (
        "该文件已随党员个人信息一并删除。",
        "the file was erased with the member's personal data",
    ),
    "evidence.file_missing": (
        "文件存储中找不到该文件，请联系管理员。",
        "the file is missing from the file store",
    ),
    "scores.unknown_items": (
        "含有不属于{level:level}的评分项目：{items}。",
        "unknown scoring items for {level}: {items}",
    ),
    "scores.missing": (
        "请填写 {item:item}（{title}）的分数。",
        "no points for item {item} ({title})",
    ),
    "scores.not_a_number": (
        "{item:item}（{title}）的分数应为数字。",
        "points for {item} must be a number",
    ),
    "scores.out_of_range": (
        "{item:item}（{title}）的分数应在 0 到 {max_points:g} 之间。",
        "points for {item} must be between 0 and {max_points:g}",
    ),
    "assessment.monthly_levels": (
        "每月集中考核的对象是党小组和党员。",
        "a branch assesses groups and members monthly",
    ),
    "assessment.month_not_begun": (
        "{year} 年 {month} 月尚未开始。",
        "{year}-{month:02d} has not begun",
    ),
    "assessment.no_subjects": ("没有可考核的对象。", "no subjects to assess"),
    "assessment.assessed_already": (
        "{level:level}{subject} {period} 已考核过，请改用更正。",
        "{level} {subject} was assessed for {period} already; correct it instead",
    ),
    "assessment.branch_assessed_already": (
        "{branch:branch} {period} 已考核过，请改用更正。",
        "{branch} was assessed for {period} already; correct it instead",
    ),
    "assessment.not_found": (
        "{level:level}{subject} {period} 的考核不存在。",
        "assessment of {level} {subject} for {period} not found",
    ),
    "assessment.item_not_scored": (
        "本次考核没有评分项目 {item}。",
        "item {item} was not scored here",
    ),
    "assessment.points_unchanged": ("分数与原值相同。", "the points are unchanged"),
    "inspection.date_outside_year": (
        "检查日期应在 {year} 年内。",
        "the inspection date must fall in {year}",
    ),
    "inspection.too_early": (
        "第 {quarter} 季度尚未开始，不能检查。",
        "Q{quarter} cannot be inspected before it starts",
    ),
    "inspection.done_already": (
        "{year} 年第 {quarter} 季度已检查过。",
        "Q{quarter} of {year} was inspected already",
    ),
    "inspection.not_found": ("该季度检查不存在。", "inspection not found"),
    "meeting.unknown_kind": ("请从列表中选择会议类别。", "kind must be one of {choices}"),
    "meeting.date_outside_year": (
        "会议日期应在 {year} 年内。",
        "the meeting date must fall in {year}",
    ),
    "meeting.no_attendees": ("出席人数至少为 1。", "at least one attendee"),
    "meeting.too_many": (
        "出席人数不能超过 {most} 人，请核对。",
        "at most {most} attendees; check the figure",
    ),
    "correction.unknown_field": ("这一项不能更正。", "{field} cannot be corrected"),
    "correction.unchanged": ("更正后的内容与原来相同。", "the correction changes nothing"),
    "meeting.not_found": ("该会议记录不存在。", "meeting not found"),
    # Half-year and year-end reviews, summaries, deeds, ballots, nominations
    "review.unknown_stage": ("评议阶段应为半年初评或年终总评。", "stage must be one of {choices}"),
    "review.date_outside_year": ("日期应在 {year} 年内。", "the date must fall in {year}"),
    "review.too_early": (
        "{stage:stage}最早于 {earliest} 开始。",
        "the {stage} evaluation starts no earlier than {earliest}",
    ),
    "review.started_already": (
        "{year} 年度{stage:stage}已经开始。",
        "the {stage} review of {year} has started already",
    ),
    "review.not_found": (
        "{year} 年度{stage:stage}尚未开始。",
        "{stage} review of {year} not found",
    ),
    "review.reported": (
        "{stage:stage}已于 {on} 向党委汇报，不能再修改。",
        "the {stage} evaluation was reported on {on}",
    ),
    "review.no_remarks": ("请至少填写一条意见。", "at least one remark"),
    "review.recommend_midyear_only": (
        "推荐只在半年初评中进行。",
        "recommendations belong to the half-year round",
    ),
    "review.recommend_none": (
        "请至少推荐一个党小组或一名党员。",
        "recommend at least one group or member",
    ),
    "review.summary_missing": (
        "请先填写支部的总结，再向党委汇报。",
        "file the branch's summary before reporting",
    ),
    "review.stage_not_found": ("没有这一评议阶段。", "stage {stage} not found"),
    "review.members_own_summary": (
        "党员只能填写本人的总结。",
        "members file their own summary only",
    ),
    "summary.filed_already": (
        "{year} 年度总结已经提交。",
        "the summary of {year} was filed already",
    ),
    "summary.not_found": ("年度总结不存在。", "annual summary not found"),
    "summary.report_to": (
        "年度总结只能向党员大会或党委报告。",
        "report to members-meeting or committee",
    ),
    "summary.reported_already": (
        "年度总结已于 {on} 向{to:report_to}报告。",
        "the summary was reported to the {to} on {on}",
    ),
    "deeds.unchanged": ("事迹材料没有变化。", "nothing changed"),
    "deeds.not_found": ("事迹材料不存在。", "deed material not found"),
    "ballot.not_found": ("该测评不存在。", "ballot not found"),
    "ballot.no_subjects": ("请至少选择一个测评对象。", "a ballot needs subjects"),
    "ballot.subject_twice": ("测评对象重复。", "a subject is listed twice"),
    "ballot.unknown_pool": ("测评码只分党员和党外群众两类。", "pools are {pools}"),
    "ballot.no_codes": ("请至少发放一个测评码。", "issue at least one code"),
    "ballot.codes_out_of_range": (
        "测评码数量应为 0–2000 的整数。",
        "codes: a whole number 0-2000 for each pool",
    ),
    "ballot.closed": ("本次测评已结束。", "this ballot is closed"),
    "ballot.closed_on": ("本次测评已于 {on} 结束。", "this ballot was closed on {on}"),
    "ballot.unknown_code": ("测评码无效。", "unknown ballot code"),
    "evidence.item_not_found": (
        "要附加佐证材料的记载、措施、事迹材料或季度检查不存在。",
        "no such record, measure, deed material or inspection to attach the file to",
    ),
    "ballot.void_other_pool": (
        "要作废的测评码属于{pool:pool}测评，请把“测评范围”选为{pool:pool}后再作废。",
        "that code is of the {pool} pool: choose that pool to void it",
    ),
    "ballot.code_used": ("该测评码已经使用过。", "this ballot code has been used"),
    "ballot.unknown_subject": ("等次中有不在本次测评中的对象。", "grades name an unknown subject"),
    "ballot.grade_missing": ("请为每个测评对象选择等次。", "give a grade for every subject"),
    "ballot.unknown_grade": ("等次应为优秀、合格、基本合格或不合格。", "grades are {grades}"),
    "ballot.code_voided": ("该测评码已作废，请使用补发的测评码。", "this ballot code was voided"),
    "ballot.void_spent": (
        "该测评码已经使用过，已投的票照常计入，不能作废。",
        "this code was spent; a spent code stays counted and cannot be voided",
    ),
    "ballot.nothing_to_reissue": (
        "没有可作废的测评码，也没有要补发的测评码。",
        "nothing to void and no codes to issue",
    ),
    "ballot.date_outside_year": ("测评日期应在 {year} 年内。", "the date must fall in {year}"),
    "ballot.closed_before_opened": (
        "结束日期不能早于测评开始的日期。",
        "a ballot cannot close before it opened",
    ),
    "ballot.box_mismatch": (
        "票箱中的测评票与已使用的测评码数目不符，请稍后重试。",
        "the ballot box does not match the codes spent ({pool}); try again",
    ),
    "ballot.sheet_malformed": ("测评票格式不正确。", "a grade sheet cannot be counted"),
    "ballot.box_key_changed": (
        "服务器密钥与发起测评时不同，无法核对测评码或打开票箱，请管理员恢复原来的服务器密钥。",
        "the server's secret is not the one this ballot was opened with; restore CXZY_SECRET_KEY",
    ),
    "ballot.box_missing": (
        "找不到本次测评的票箱，无法计票。",
        "the ballot box of this ballot is missing; it cannot be counted",
    ),
    "ballot.busy": (
        "同时提交的人数过多，请重新提交。",
        "too many raters at once; please cast again",
    ),
    "nomination.not_found": ("{year} 年度推荐名单不存在。", "nomination for {year} not found"),
    "nomination.submitted_already": (
        "推荐名单已经报送，不能再修改；党委退回推荐对象后，可答复退回理由并重新推荐。",
        "the nomination was submitted already (after a return, re-nominate)",
    ),
    "nomination.not_submitted_yet": (
        "{year} 年度推荐名单尚未报送，请直接修改后报送。",
        "the nomination for {year} is not submitted yet: revise it and submit",
    ),
    "nomination.nothing_returned": (
        "第 {submission} 次报送的推荐对象没有被党委退回，不能重新推荐。",
        "nothing of submission {submission} was returned: there is nothing to re-nominate",
    ),
    "nomination.submitted_on": (
        "推荐名单已于 {on} 报送，不能重复报送。",
        "the nomination was submitted on {on}",
    ),
    "nomination.empty": (
        "请至少推荐一个党小组或一名党员。",
        "shortlist at least one group or member",
    ),
    "nomination.over_quota": (
        "最多可推荐 {limit} {level:level_count}（名额所限）。",
        "at most {limit} {level}s may be nominated (quota)",
    ),
    "nomination.listed_twice": ("同一{level:level}被列入两次。", "a {level} is listed twice"),
    "nomination.not_ranked": (
        "{level:level}{subject}不在排名之中。",
        "{level} {subject} is not among those ranked",
    ),
    "nomination.departs_needs_reason": (
        "{level:level}{subject}与计算排名不一致（第 {rank} 名），须写明理由。",
        "{level} {subject} departs from the ranking (rank {rank}): give a reason",
    ),
    "nomination.unrated_needs_reason": (
        "{level:level}{subject}未参评（没有可计分的考核或测评），推荐须写明理由。",
        "{level} {subject} is unrated (nothing to score): give a reason to shortlist it",
    ),
    "nomination.vetoed_needs_reason": (
        "{level:level}{subject}与计算排名不一致（第 {rank} 名，{veto}），须写明理由。",
        "{level} {subject} departs from the ranking (rank {rank}, {veto}): give a reason",
    ),
    "nomination.entries_level": ("推荐对象只能是党小组或党员。", "entries are groups or members"),
    "nomination.not_submitted": (
        "{branch:branch}尚未报送 {year} 年度的推荐名单。",
        "{branch} has not submitted its nomination for {year}",
    ),
    "nomination.not_listed": (
        "{level:level}{subject}不在{branch:branch}的推荐名单中。",
        "{level} {subject} is not on the nomination of {branch}",
    ),
    "nomination.midyear_needs_reason": (
        "{level:level}{subject}未在半年初评中被推选表扬，推荐须写明理由。",
        "{level} {subject} was not recommended at the half-year review: give a reason",
    ),
    "nomination.not_recommended_midyear": (
        "按活动方案，只能推荐半年初评中被推选表扬的对象；{level:level}{subject}不在其中。",
        "the plan admits only those recommended at the half-year review; {subject} was not",
    ),
    # The branch's own commendation, tasks, requests and reports, summaries
    "commendation.branch_levels": (
        "党支部表彰的对象只能是党小组或党员。",
        "a branch commends its groups and members",
    ),
    "commendation.forms": (
        "请选择表彰形式（通报表扬、颁发奖状证书、颁发奖品）。",
        "choose the forms of the commendation: {choices}",
    ),
    "commendation.commended_already": (
        "{level:level}{subject}本年度已受到党支部表彰。",
        "{level} {subject} was commended by the branch already",
    ),
    "commendation.not_commended": (
        "{level:level}{subject}尚未受到党支部表彰，不能向上级推荐。",
        "{level} {subject} was not commended by the branch: it cannot be recommended upward",
    ),
    "commendation.recommended_already": (
        "{level:level}{subject}已向上级党委推荐。",
        "{level} {subject} was recommended upward already",
    ),
    "task.due_before_assigned": (
        "完成期限不能早于交办日期（{on}）。",
        "the task is due before it is assigned ({on})",
    ),
    "task.not_found": ("交办任务不存在。", "no such task"),
    "task.reported_already": ("该任务已报告完成。", "the task was reported done already"),
    "letter.unknown_kind": ("请选择请示或汇报。", "kind must be one of {choices}"),
    "letter.not_found": ("请示或汇报不存在。", "no such request or report"),
    "letter.replied_already": ("党委已答复该请示或汇报。", "the committee replied already"),
    "summary.unchanged": ("年度总结没有变化。", "nothing changed in the summary"),
    # The committee's decisions and commendations
    "decision.unknown_kind": ("审批事项的类别无效。", "kind must be one of {choices}"),
    "decision.unknown_outcome": (
        "审批结果应为批准、退回或已收悉。",
        "outcome must be one of {choices}",
    ),
    "decision.return_needs_reason": ("退回须写明理由。", "a return needs a reason"),
    "decision.against_advice_needs_reason": (
        "与计算排名不一致的决定须写明理由。",
        "a decision against the computed ranking needs a reason",
    ),
    "decision.made_already": ("该事项已审批过。", "this submission has been decided already"),
    "decision.not_found": ("该审批决定不存在。", "decision not found"),
    "decision.acknowledge_only": (
        "{kind:kind}只需确认收悉。",
        "a {kind} is acknowledged, not {outcome}",
    ),
    "decision.nothing_to_decide": ("没有需要审批的事项。", "nothing to decide"),
    "decision.malformed_subject": (
        "审批事项的格式有误。",
        "the subject of the decision is malformed",
    ),
    "decision.unknown_approval": ("审批事项的类别无效。", "unknown kind {kind}"),
    "acknowledge.unknown_kind": ("{kind:kind}不属于确认收悉的事项。", "{kind} is not acknowledged"),
    "acknowledge.not_reported": (
        "该{kind:kind}尚未报告党委。",
        "that {kind} was not reported to the committee",
    ),
    "commendation.no_entries": ("请至少列入一个表彰对象。", "name at least one subject"),
    "commendation.named_already": (
        "{name}已受表彰，不能重复表彰。",
        "{name} was commended already",
    ),
    "commendation.not_approved": (
        "{branch:branch}的{level:level}{subject}不是已批准的推荐对象，也不是党支部提请表彰的对象。",
        "{level} {subject} of {branch} is neither an approved nominee nor recommended upward",
    ),
    "commendation.not_found": ("表彰决定不存在。", "commendation not found"),
    "commendation.against_ranking_needs_reason": (
        "{name}在党支部排名中位于未被命名的党支部之后，命名其为先进党支部须写明理由。",
        "{name} ranks below a branch not named: naming it needs a reason",
    ),
    # Archives and audits
    "archive.head_malformed": ("链头应为 SHA-256 摘要。", "head must be a SHA-256 digest"),
    "archive.negative_count": ("事件数不能为负数。", "event count must not be negative"),
    "archive.positions_out_of_order": ("日志位置的顺序有误。", "positions out of order"),
    "archive.no_events": (
        "该党支部本年度没有任何记录，无法归档。",
        "a branch-year without events cannot be sealed",
    ),
    "archive.on_demand_admin_only": (
        "只有党委管理员可以提前归档。",
        "only a committee admin may seal on demand",
    ),
    "archive.campaign_open": (
        "{year} 年度活动尚未结束，请先结束活动，或选择提前归档。",
        "the {year} campaign is still open: close it first, or seal on demand",
    ),
    "archive.sealed_already": (
        "{branch:branch}的 {year} 年度档案已经归档，不能重复归档。",
        "the {year} archive of {branch} is sealed already",
    ),
    "archive.not_sealed": (
        "{branch:branch}的 {year} 年度档案尚未归档。",
        "the {year} archive of {branch} is not sealed",
    ),
    "archive.sealed": (
        "{branch:branch}的 {year} 年度档案已经归档，不能再修改；确需更正的，由党委管理员发起更正。",
        "the {year} archive of {branch} is sealed: it may be changed only under an amendment",
    ),
    "archive.revision_does_not_continue": (
        "新的归档版本没有接续上一版本的{section:log}。",
        "the new revision's {section} chain does not continue the previous revision's",
    ),
    "amendment.admin_only": (
        "只有党委管理员可以发起或结束更正。",
        "only a committee admin may open or close an amendment",
    ),
    "amendment.open_already": (
        "{branch:branch}的 {year} 年度档案已有一项更正正在进行，请先结束它。",
        "an amendment of {branch} {year} is open already: close it first",
    ),
    "amendment.not_open": (
        "这项更正没有在进行中。",
        "amendment {amendment} is not open",
    ),
    "amendment.not_found": (
        "{year} 年度没有这项更正。",
        "no amendment {amendment} in {year}",
    ),
    "archive.seal_event_missing": (
        "找不到归档事件的存储记录。",
        "the seal's stored event was not found",
    ),
    "archive.chain_broken": (
        "{section:log}与{branch:branch}的 {year} 年度归档不再相符，有已存储的事件被改动或删除。",
        "the {section} log no longer hashes to the seal of {branch} {year}:"
        " a stored event was altered or removed",
    ),
    "audit.range_reversed": ("开始日期不能晚于结束日期。", "--from must not be after --to"),
    "trail.subject_unknown": (
        "党支部 {branch} 中没有编号或名称为“{text}”的党员、党小组或记录。",
        "no member, group or aggregate {text!r} in branch {branch}",
    ),
    "trail.aggregate_unknown": (
        "党支部 {branch} 及其党委的日志中都没有关于 {aggregate} 的记录。",
        "no aggregate {aggregate} in branch {branch} or its committee's log about it",
    ),
    # The pages' own refusals
    "page.step_not_found": ("没有这一步骤。", "step {step} not found"),
    "export.unknown_format": ("不支持 {format} 格式。", "no format {format}"),
    "export.unknown_template": ("没有这种模板。", "no template for {kind}"),
    "import.unknown_kind": ("没有这种导入。", "no import of {kind}"),
    "import.upload_not_found": ("找不到上传的内容，请重新上传。", "upload not found"),
    "job.too_many": (
        "同时运行的任务过多，请一分钟后再试。",
        "too many jobs are running; try again in a minute",
    ),
    "job.not_found": ("该任务不存在。", "job not found"),
    "read_models.not_sqlite": (
        "本系统的统计由后台服务完成，请联系系统管理员在服务器上重新统计。",
        "run `cxzy project rebuild` with the projector stopped",
    ),
    "read_models.rebuilding": ("重建已在进行中。", "a rebuild is running already"),
}
