"""The record's own words (headings, labels, fixed phrases) in Simplified Chinese, keyed by their English.

The print template (templates/records/pdf/record.html) writes every label as ``l("English")``; in a zh-Hans
record that prints the Chinese below, in a bilingual one the English followed by the Chinese. A label missing
here prints in English (tests/records/test_record_languages.py fails on any the template uses).
The wording follows TC260's Chinese terms (伦理审查, 风险等级, 人工监督, 可追溯).
"""

from __future__ import annotations

ZH_HANS = {
    # masthead and facts
    "Ethical review record": "伦理审查记录",
    "Stage": "阶段",
    "Record": "记录",
    "Issued": "签发时间",
    "Decided": "决定时间",
    "Catalog": "审查准则目录",
    "version": "版本",
    "Template": "模板",
    "Seal": "电子印章",
    "Content SHA-256 (record data)": "内容 SHA-256（记录数据）",
    "File SHA-256 (this PDF)": "文件 SHA-256（本 PDF）",
    # outcomes, verdicts, tiers, statuses
    "Approved": "批准",
    "Approved with conditions": "附条件批准",
    "Changes requested": "要求修改",
    "Rejected": "不予批准",
    "Pending": "待定",
    "Open": "未决",
    "Closed": "已关闭",
    "Overdue": "已逾期",
    "Meets": "符合",
    "Partially meets": "部分符合",
    "Does not meet": "不符合",
    "Not applicable": "不适用",
    "Low": "低",
    "Medium": "中",
    "High": "高",
    "Prohibited": "禁止",
    "Yes": "是",
    "No": "否",
    # 1. project
    "1. Project": "1. 项目",
    "Name": "名称",
    "project": "项目",
    "Purpose": "用途",
    "Intended users": "预期用户",
    "Scenario": "使用场景",
    "AI models": "人工智能模型",
    "System type": "系统类型",
    "Data categories": "数据类别",
    "None declared": "未申报",
    "Personal data": "个人信息",
    "Sensitive data": "敏感个人信息",
    "Deployment context": "部署环境",
    "Autonomy level": "自主程度",
    "Scale": "规模",
    "Submitted by": "提交人",
    "Project team": "项目团队",
    "Role": "角色",
    "No one was on the team.": "团队中没有成员。",
    "System versions": "系统版本",
    "The system was retired on": "系统退役于",
    "Version": "版本",
    "Added": "添加时间",
    "Artifacts (SHA-256)": "制品（SHA-256）",
    "current": "当前",
    "material change": "重大变更",
    "No system version recorded when this record was issued.": "签发本记录时没有记录系统版本。",
    "Registration duties": "备案登记义务",
    "ruleset": "规则集",
    "Duty": "义务",
    "Why, and source": "理由及依据",
    "Filing": "备案",
    "required before": "须在此前完成：",
    "Source": "依据",
    "Not filed": "未备案",
    "No registration duty applied on these facts.": "根据这些事实，不适用任何备案登记义务。",
    # 2. tier
    "2. Risk tier": "2. 风险等级",
    "Why this tier": "定级理由",
    "Rule": "规则",
    "Question": "问题",
    "Answer": "回答",
    "Explanation": "说明",
    "No tiering rule raised the tier above the default.": "没有分级规则将风险等级提高到默认等级以上。",
    "Screening answers": "筛查问卷回答",
    "No screening answers recorded.": "没有记录筛查问卷回答。",
    # 3. criteria
    "3. Criteria assessed": "3. 审查准则",
    "Reviewer": "审查人",
    "Verdict": "结论",
    "Rationale": "理由",
    "on behalf of": "代表",
    "No verdicts recorded.": "没有记录审查结论。",
    "Evidence file": "证据文件",
    "Size": "大小",
    "Uploaded": "上传",
    "Evidence file SHA-256": "证据文件 SHA-256",
    "No evidence attached.": "没有附加证据。",
    "Comments shared with the submitter": "与提交人共享的意见",
    "Criterion": "准则",
    "From": "来自",
    "Comment": "意见",
    "Reply to": "回复",
    "round": "轮次",
    # 4. conditions
    "4. Conditions": "4. 条件",
    "Condition": "条件",
    "Owner": "负责人",
    "Due": "期限",
    "Status when issued": "签发时状态",
    "closed by": "关闭人",
    "No conditions attached to this decision.": "本决定未附条件。",
    # 5. rounds
    "5. Review rounds": "5. 审查轮次",
    "Round": "轮次",
    "Submitted": "提交时间",
    "Outcome": "结果",
    "Submitter's note to reviewers": "提交人给审查人的说明",
    # 6. signatures
    "6. Signatures": "6. 签署",
    "Sign-offs recorded in ReviewBoard for this stage. Each states who signed, when, what the signature means, "
    "and the content hash the signer approved.":
        "ReviewBoard 为本阶段记录的签署。每项签署写明签署人、签署时间、签署含义以及签署人所批准的内容哈希。",
    "Meaning": "含义",
    "On behalf of": "代表",
    "signed by": "签署人",
    "as delegate": "作为代理人",
    "Signed at": "签署时间",
    "Signer authenticated by": "签署人身份验证方式",
    "signature": "签名",
    "Sign-off SHA-256 (what was signed)": "签署 SHA-256（所签署的内容）",
    "No sign-offs recorded.": "没有记录签署。",
    # 7. audit trail
    "7. Audit trail": "7. 审计轨迹",
    "Every audit event about this stage: its project, evidence, verdicts of every round, sign-offs and failed "
    "signing attempts, conditions, the comments shared with the submitter and the incidents reported on the "
    "system.":
        "与本阶段有关的每个审计事件：其项目、证据、各轮审查结论、签署及失败的签署尝试、条件、与提交人共享的意见"
        "以及就该系统报告的事件。",
    "Seq": "序号",
    "Time (UTC)": "时间（UTC）",
    "Actor": "操作人",
    "Action": "操作",
    "Object": "对象",
    "Audit chain head": "审计链头",
    "event": "事件",
    "hash": "哈希",
    # 8. integrity
    "8. Integrity": "8. 完整性",
    "Machine-readable copy": "机器可读副本",
    "record.json, embedded in this PDF/A-3 file as an associated file": "record.json，作为关联文件嵌入本 PDF/A-3 文件",
    "Electronic seal": "电子印章",
    "applied by": "加盖单位",
    "Sealing certificate": "印章证书",
    "Certificate SHA-256 fingerprint": "证书 SHA-256 指纹",
    "integrity-hashes": (
        "内容 SHA-256（记录数据）是嵌入记录去掉 content_sha256 字段后的规范 JSON 的 SHA-256。文件 SHA-256（本 PDF，"
        "即文件字节的摘要，文件无法打印自身的摘要）是 ReviewBoard 为该记录列出、并由其验证页面和 reviewboard record "
        "verify 检查的值。印章覆盖整个文件；任何后续更改（包括追加的更新）都会使其失效。"),
    "integrity-offline": (
        "如需离线检查印章（pdfsig、pyHanko 或 PDF 阅读器），请信任本单位的印章证书：从 ReviewBoard 的验证页面下载，"
        "并在将其添加为受信任证书之前，将其 SHA-256 指纹与上方的指纹核对。"),
    # page margins (record.css)
    "ReviewBoard sealed record": "ReviewBoard 已盖章记录",
}


def zh_hans(english: str) -> str:
    """The Chinese of one of the record's labels; the English itself when it has none."""
    return ZH_HANS.get(english, english)
