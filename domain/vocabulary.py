"""The closed vocabularies of the contract (../shared/CONTRACT.md), with Chinese labels.

Every enumerated value a command may carry is listed here once; the command schema,
the rules and the reports all read these tables.
"""

from __future__ import annotations

JURISDICTIONS: dict[str, str] = {
    "kunshan": "昆山市",
    "yuncheng": "运城市",
    "jinhua": "金华市",
    "rugao": "如皋市",
    "linkou": "林口县",
}

LEVELS: dict[str, str] = {
    "junior": "初级/五级",
    "intermediate": "中级/四级",
    "senior": "高级/三级",
    "technician": "技师/二级",
    "senior_technician": "高级技师/一级",
}

CHANNELS: dict[str, str] = {
    "unemployment_insurance_surplus": "失业保险基金结余",
    "employment_subsidy": "就业补助资金",
    "talent_fund": "人才专项资金",
    "industry_fund": "行业产业发展经费",
    "other": "其他",
}

INSTITUTION_KINDS: dict[str, str] = {
    "enterprise": "企业",
    "school": "院校",
    "training_org": "培训机构",
    "evaluation_org": "评价机构",
    "department": "部门",
}

PERSON_GROUPS: dict[str, str] = {
    "enterprise_employee": "企业职工",
    "rural_migrant": "农村转移就业劳动者",
    "school_leaver": "未继续升学初高中毕业生",
    "unemployed": "下岗失业人员",
    "veteran": "退役军人",
    "disabled": "残疾人",
    "hardship": "就业困难人员",
    "zero_employment_family": "零就业家庭成员",
    "poverty_registered": "建档立卡贫困人员",
    "low_income": "低保对象",
    "college_graduate": "高校毕业生",
    "farmer": "农民",
    "overcapacity_worker": "去产能企业职工",
}

SCHEMES: dict[str, str] = {
    "certificate_training": "取证培训",
    "project": "项目制培训",
    "apprenticeship": "学徒制培训",
    "pre_job": "岗前培训",
    "on_the_job": "在岗培训",
    "transfer": "转岗培训",
    "work_based": "以工代训",
    "safety": "安全技能培训",
    "entrepreneurship": "创业培训",
    "employment_skills": "就业技能培训",
    "order_class": "订单班",
    "technician_research": "技师研修",
}

CERTIFICATE_KINDS: dict[str, str] = {
    "vocational_qualification": "职业资格证书",
    "skill_level": "职业技能等级证书",
    "special_ability": "专项职业能力证书",
    "special_operation": "特种作业操作证",
    "special_equipment": "特种设备作业人员证",
    "training_completion": "培训合格证书",
}

SUBSIDIES: dict[str, str] = {
    "skill_upgrade": "技能提升补贴",
    "certificate": "鉴定取证补贴",
    "pre_job": "岗前培训补贴",
    "on_the_job": "在岗培训补贴",
    "transfer": "转岗培训补贴",
    "safety": "安全技能培训补贴",
    "work_based": "以工代训补贴",
    "apprenticeship": "学徒制培训补贴",
    "project": "项目制培训补贴",
    "special_operation": "特种作业取证补贴",
    "technician_research": "技师研修补贴",
    "employment_skills": "就业技能培训补贴",
    "order_class": "订单班培训补贴",
    "living_allowance": "生活费补贴",
    "employment_service": "就业服务补贴",
    "school_graduate": "院校毕业生补助",
}

CATALOG_KINDS: dict[str, str] = {
    "shortage_occupations": "紧缺职业（工种）目录",
    "training_standards": "职业培训补贴目录和补贴标准",
    "uplift_enterprises": "上浮补贴企业名单",
}

UPLIFT_REASONS: dict[str, str] = {
    "trade_friction": "受贸易摩擦影响企业",
    "key_manufacturing": "重点制造业企业",
}

CERTIFICATE_FINDINGS: dict[str, str] = {"fraud": "查实骗补", "cleared": "排除嫌疑"}
