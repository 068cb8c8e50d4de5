# Iterative distillation (iterative.rounds > 0): round r runs MD with the student of round r - 1,
# relabels its frames with the teacher and trains that student further on every label set so far.
# A student that blows up during exploration ends its run there (--end-on-guard): the frames before the
# blow-up are labelled and learnt, which is what the next round's student needs most.


rule explore:
    input:
        structure="results/{teacher}/{system}/relaxed.extxyz",
        student=previous_student,
        gate=lambda w: gate_of(previous_student(w)),
        settings="results/settings/{system}/explore{round}_md.yaml",
    output:
        "results/{teacher}/{system}/iteration{round}/explore.nc",
    params:
        device=device_option("explore"),
    log:
        "logs/explore/{teacher}/{system}/{round}.log",
    benchmark:
        "results/benchmarks/explore/{teacher}/{system}/{round}.tsv"
    threads: 2
    resources:
        mem_mb=lambda wildcards, attempt: 8000 * attempt,
        runtime=lambda wildcards, attempt: 240 * attempt,
        gpu=gpus("explore"),
    conda:
        BASE_ENV
    shell:
        "lesdistill md {input.structure:q} --student {input.student:q} --settings {input.settings:q} --end-on-guard "
        "{params.device:q} -o {output:q} > {log:q} 2>&1"


rule relabel:
    input:
        frames=rules.explore.output,
        catalog=catalog_input,
    output:
        "results/{teacher}/{system}/iteration{round}/labels.nc",
    params:
        device=device_option("relabel"),
        command=lambda w: lesdistill(w.teacher),
        catalog=catalog_option,
        split=lambda w: [a for k, v in CAMPAIGN.iteration_label_split(int(w.round)).items()
                         for a in (f"--{k.replace('_', '-')}", str(v))],
    log:
        "logs/relabel/{teacher}/{system}/{round}.log",
    benchmark:
        "results/benchmarks/relabel/{teacher}/{system}/{round}.tsv"
    threads: 2
    resources:
        mem_mb=lambda wildcards, attempt: 8000 * attempt,
        runtime=lambda wildcards, attempt: 240 * attempt,
        gpu=gpus("relabel"),
    conda:
        teacher_env
    shell:
        "{params.command:q} label {input.frames:q} --teacher {wildcards.teacher:q} {params.catalog:q} {params.split:q} "
        "{params.device:q} -o {output:q} > {log:q} 2>&1"


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
        mem_mb=lambda wildcards, attempt: 8000 * attempt,
        runtime=lambda wildcards, attempt: 720 * attempt,
        gpu=gpus("retrain"),
    conda:
        BASE_ENV
    shell:
        "lesdistill train {input.labels:q} --init {input.student:q} --settings {input.settings:q} {params.device:q} "
        "-o {output:q} > {log:q} 2>&1"
