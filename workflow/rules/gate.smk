# Quality gate after training, each iterative round and fine-tuning: the next stage of a cell needs
# the verdict of the student it uses. on_fail: stop makes the gate job fail with one line naming the
# numbers and thresholds (the cell stops there); warn writes a failing verdict that figures flag.


rule gate:
    input:
        student="results/{teacher}/{system}/{model}.pt",
        labels=gate_labels,
        structure="results/{teacher}/{system}/relaxed.extxyz",
        md="results/settings/{system}/student_md.yaml",
        settings="results/settings/{system}/quality.yaml",
    output:
        "results/{teacher}/{system}/{model}.gate.json",
    params:
        device=device_option("gate"),
    log:
        "logs/gate/{teacher}/{system}/{model}.log",
    benchmark:
        "results/benchmarks/gate/{teacher}/{system}/{model}.tsv"
    threads: 2
    resources:
        mem_mb=per_attempt(8000),
        runtime=per_attempt(60),
        gpu=gpus("gate"),
    conda:
        BASE_ENV
    shell:
        "lesdistill gate {input.student:q} --labels {input.labels:q} --structure {input.structure:q} "
        "--md-settings {input.md:q} --settings {input.settings:q} "
        "--label {wildcards.teacher:q}/{wildcards.system:q}/{wildcards.model:q} {params.device:q} -o {output:q} > {log:q} 2>&1"
