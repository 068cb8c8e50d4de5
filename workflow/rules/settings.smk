# Resolved per-system settings as the files the CLI reads (serialisation only; merging and checks
# live in lesdistill.config).


rule md_settings:
    output:
        "results/settings/{system}/{stage}_md.yaml",
    params:
        kind=lambda w: f"{w.stage}_md",
    wildcard_constraints:
        stage="sampling|student",
    log:
        "logs/settings/{system}/{stage}_md.log",
    localrule: True
    conda:
        BASE_ENV
    script:
        "../scripts/write_settings.py"


rule training_settings:
    output:
        "results/settings/{system}/training.yaml",
    params:
        kind="training",
    log:
        "logs/settings/{system}/training.log",
    localrule: True
    conda:
        BASE_ENV
    script:
        "../scripts/write_settings.py"


rule explore_settings:
    output:
        "results/settings/{system}/explore{round}_md.yaml",
    params:
        kind="explore_md",
    log:
        "logs/settings/{system}/explore{round}_md.log",
    localrule: True
    conda:
        BASE_ENV
    script:
        "../scripts/write_settings.py"


rule iteration_settings:
    output:
        "results/settings/{system}/iteration.yaml",
    params:
        kind="iteration",
    log:
        "logs/settings/{system}/iteration.log",
    localrule: True
    conda:
        BASE_ENV
    script:
        "../scripts/write_settings.py"


rule finetune_settings:
    output:
        "results/settings/{system}/finetune.yaml",
    params:
        kind="finetune",
    log:
        "logs/settings/{system}/finetune.log",
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
        kind="model",
    log:
        "logs/settings/{system}/model.log",
    localrule: True
    conda:
        BASE_ENV
    script:
        "../scripts/write_settings.py"


rule catalog:
    output:
        "results/settings/catalog.yaml",
    params:
        kind="catalog",
    log:
        "logs/settings/catalog.log",
    localrule: True
    conda:
        BASE_ENV
    script:
        "../scripts/write_settings.py"


rule quality_settings:
    output:
        "results/settings/{system}/quality.yaml",
    params:
        kind="quality",
    log:
        "logs/settings/{system}/quality.log",
    localrule: True
    conda:
        BASE_ENV
    script:
        "../scripts/write_settings.py"
