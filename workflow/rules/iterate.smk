# Iterative distillation (iterative.rounds > 0): round r runs MD with the student of round r - 1,
# relabels its frames with the teacher and trains that student further on every label set so far.
# The exploration MD is in md.smk, the relabelling in label.smk.


rule retrain:
    input:
        labels=round_labels,
        student=previous_student,
        settings="results/settings/{system}/iteration.yaml",
    output:
        "results/{teacher}/{system}/iteration{round}/student.pt",
    params:
        device=device_option("retrain"),
    log:
        "logs/retrain/{teacher}/{system}/{round}.log",
    benchmark:
        "results/benchmarks/retrain/{teacher}/{system}/{round}.tsv"
    threads: 2
    resources:
        mem_mb=per_attempt(8000),
        runtime=per_attempt(720),
        gpu=gpus("retrain"),
    conda:
        BASE_ENV
    shell:
        "lesdistill train {input.labels:q} --init {input.student:q} --settings {input.settings:q} {params.device:q} "
        "-o {output:q} > {log:q} 2>&1"
