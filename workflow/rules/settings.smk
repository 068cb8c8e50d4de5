# Resolved per-system settings as the files the CLI reads (serialisation only; merging and checks
# live in lesdistill.config).
import yaml


rule md_settings:
    output:
        "results/settings/{system}/{stage}_md.yaml",
    wildcard_constraints:
        stage="sampling|student",
    localrule: True
    run:
        settings = CAMPAIGN.md_settings(wildcards.system, wildcards.stage).model_dump(mode="json")
        Path(output[0]).write_text(yaml.safe_dump(settings, sort_keys=True))


rule training_settings:
    output:
        "results/settings/{system}/training.yaml",
    localrule: True
    run:
        settings = CAMPAIGN.training_settings(wildcards.system).model_dump(mode="json")
        Path(output[0]).write_text(yaml.safe_dump(settings, sort_keys=True))


rule finetune_settings:
    output:
        "results/settings/{system}/finetune.yaml",
    localrule: True
    run:
        tune = CAMPAIGN.finetune_for(wildcards.system)
        settings = CAMPAIGN.training_settings(wildcards.system).model_copy(update=tune.model_dump(exclude_none=True))
        Path(output[0]).write_text(yaml.safe_dump(settings.model_dump(mode="json"), sort_keys=True))


rule student_model:
    input:
        "results/systems/{system}/structure.extxyz",
    output:
        "results/settings/{system}/model.yaml",
    localrule: True
    run:
        import ase.io

        numbers = sorted(set(ase.io.read(input[0]).numbers.tolist()))
        model = CAMPAIGN.student_model(wildcards.system, numbers)
        Path(output[0]).write_text(yaml.safe_dump(json.loads(json.dumps(model)), sort_keys=True))


rule catalog:
    output:
        "results/settings/catalog.yaml",
    localrule: True
    run:
        Path(output[0]).write_text(yaml.safe_dump(CAMPAIGN.catalog_entries(), sort_keys=True))
