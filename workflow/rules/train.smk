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
        mem_mb=per_attempt(8000),
        runtime=per_attempt(720),
        gpu=gpus("train"),
    conda:
        BASE_ENV
    shell:
        "lesdistill train {input.labels:q} --model {input.model:q} --settings {input.settings:q} {params.device:q} -o {output:q} > {log:q} 2>&1"


rule finetune:
    input:
        data=lambda w: DFT_DATA[w.system],
        student=distilled_student,
        gate=lambda w: gate_of(distilled_student(w)),
        labels="results/{teacher}/{system}/labels.nc",
        settings="results/settings/{system}/finetune-{variant}.yaml",
    output:
        "results/{teacher}/{system}/finetune-{variant}/student.pt",
    params:
        device=device_option("finetune"),
        replay=lambda w, input: ["--replay", input.labels] if CAMPAIGN.finetune_settings(w.system, w.variant).replay_fraction > 0 else [],
    log:
        "logs/finetune/{teacher}/{system}/{variant}.log",
    benchmark:
        "results/benchmarks/finetune/{teacher}/{system}/{variant}.tsv"
    threads: 2
    resources:
        mem_mb=per_attempt(8000),
        runtime=per_attempt(240),
        gpu=gpus("finetune"),
    conda:
        BASE_ENV
    shell:
        "lesdistill train {input.data:q} --init {input.student:q} --compare {input.labels:q} {params.replay:q} "
        "--settings {input.settings:q} {params.device:q} -o {output:q} > {log:q} 2>&1"


# The direct-fit baseline (finetune.direct_fit): the system's student architecture trained on its DFT
# data alone, from scratch, with the system's training settings; scored on the DFT test frames.
rule direct_fit:
    input:
        data=lambda w: DFT_DATA[w.system],
        model="results/settings/{system}/model.yaml",
        settings="results/settings/{system}/training.yaml",
    output:
        "results/dft-direct/{system}/student.pt",
    params:
        device=device_option("train"),
    log:
        "logs/direct_fit/dft-direct/{system}.log",
    benchmark:
        "results/benchmarks/direct_fit/{system}.tsv"
    threads: 2
    resources:
        mem_mb=per_attempt(8000),
        runtime=per_attempt(720),
        gpu=gpus("train"),
    conda:
        BASE_ENV
    shell:
        "lesdistill train {input.data:q} --model {input.model:q} --settings {input.settings:q} {params.device:q} "
        "-o {output:q} > {log:q} 2>&1"
