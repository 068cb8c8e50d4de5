rule train:
    input:
        labels="results/{teacher}/{system}/labels.nc",
        model="results/settings/{system}/model.yaml",
        settings="results/settings/{system}/training.yaml",
    output:
        "results/{teacher}/{system}/student.pt",
    params:
        device=device_option("train"),
    log:
        "logs/train/{teacher}/{system}.log",
    benchmark:
        "results/benchmarks/train/{teacher}/{system}.tsv"
    threads: 2
    resources:
        mem_mb=lambda wildcards, attempt: 8000 * attempt,
        runtime=lambda wildcards, attempt: 720 * attempt,
        gpu=gpus("train"),
    conda:
        BASE_ENV
    shell:
        "lesdistill train {input.labels:q} --model {input.model:q} --settings {input.settings:q} {params.device:q} -o {output:q} > {log:q} 2>&1"


rule finetune:
    input:
        data=lambda w: str(CAMPAIGN.systems[w.system].finetune_data),
        student=distilled_student,
        gate=lambda w: gate_of(distilled_student(w)),
        labels="results/{teacher}/{system}/labels.nc",
        settings="results/settings/{system}/finetune.yaml",
    output:
        "results/{teacher}/{system}/student_finetuned.pt",
    params:
        device=device_option("finetune"),
        replay=lambda w, input: ["--replay", input.labels] if CAMPAIGN.finetune.replay_fraction > 0 else [],
    log:
        "logs/finetune/{teacher}/{system}.log",
    benchmark:
        "results/benchmarks/finetune/{teacher}/{system}.tsv"
    threads: 2
    resources:
        mem_mb=lambda wildcards, attempt: 8000 * attempt,
        runtime=lambda wildcards, attempt: 240 * attempt,
        gpu=gpus("finetune"),
    conda:
        BASE_ENV
    shell:
        "lesdistill train {input.data:q} --init {input.student:q} --compare {input.labels:q} {params.replay:q} "
        "--settings {input.settings:q} {params.device:q} -o {output:q} > {log:q} 2>&1"
