# The one way settings reach a stage: the resolved settings file of each stage, written from the config
# by lesdistill.config (CampaignConfig.stage_settings; SETTINGS_STAGES names them) and read by the stage's
# command with --settings. Serialisation only: merging and checks live in lesdistill.config. The
# settings are also the rule's params, so that a changed config reruns exactly the settings files whose
# content changes, and with them the stages downstream.


rule stage_settings:
    output:
        "results/settings/{system}/{stage}.yaml",
    wildcard_constraints:
        stage="|".join(s for s, extra in SETTINGS_STAGES.items() if extra == () and s != "model"),
    params:
        settings=get_settings(),
    log:
        "logs/settings/{system}/{stage}.log",
    localrule: True
    conda:
        BASE_ENV
    script:
        "../scripts/write_settings.py"


rule round_settings:
    output:
        "results/settings/{system}/{stage}{round}.yaml",
    wildcard_constraints:
        stage="|".join(s for s, extra in SETTINGS_STAGES.items() if extra == ("round",)),
    params:
        settings=get_settings(),
    log:
        "logs/settings/{system}/{stage}{round}.log",
    localrule: True
    conda:
        BASE_ENV
    script:
        "../scripts/write_settings.py"


rule finetune_settings:
    output:
        "results/settings/{system}/finetune-{variant}.yaml",
    params:
        settings=get_settings("finetune"),
    log:
        "logs/settings/{system}/finetune-{variant}.log",
    localrule: True
    conda:
        BASE_ENV
    script:
        "../scripts/write_settings.py"


rule learning_curve_settings:
    output:
        "results/settings/{system}/learning_curve-{size}.yaml",
    params:
        settings=get_settings("learning_curve"),
    log:
        "logs/settings/{system}/learning_curve-{size}.log",
    localrule: True
    conda:
        BASE_ENV
    script:
        "../scripts/write_settings.py"


rule student_model:
    input:
        "results/systems/{system}/structure.extxyz",
    output:
        "results/settings/{system}/model.yaml",
    params:
        settings=get_settings("model"),
    log:
        "logs/settings/{system}/model.log",
    localrule: True
    conda:
        BASE_ENV
    script:
        "../scripts/write_settings.py"


rule campaign_settings:
    output:
        "results/settings/{stage}.yaml",
    wildcard_constraints:
        stage="|".join(s for s, extra in SETTINGS_STAGES.items() if extra is None),
    params:
        settings=get_settings(),
    log:
        "logs/settings/{stage}.log",
    localrule: True
    conda:
        BASE_ENV
    script:
        "../scripts/write_settings.py"
