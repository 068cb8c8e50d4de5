# The three MD stages, all `lesdistill md`: the teacher's sampling MD, the student's long MD, and (iterative
# rounds) the student's exploration MD. A student that blows up while exploring ends its run there
# (--end-on-guard): the frames before the blow-up are labelled and learnt, which the next round needs most.


rule sample:
    input:
        structure=rules.relax.output,
        settings="results/settings/{system}/sampling_md.yaml",
        catalog=catalog_input,
    output:
        "results/{teacher}/{system}/sample.nc",
    params:
        device=device_option("sample"),
        command=lambda w: lesdistill(w.teacher),
        catalog=catalog_option,
    log:
        "logs/sample/{teacher}/{system}.log",
    benchmark:
        "results/benchmarks/sample/{teacher}/{system}.tsv"
    threads: 2
    resources:
        mem_mb=per_attempt(8000),
        runtime=per_attempt(720),
        gpu=gpus("sample"),
    conda:
        teacher_env
    shell:
        "{params.command:q} md {input.structure:q} --teacher {wildcards.teacher:q} {params.catalog:q} "
        "--settings {input.settings:q} {params.device:q} -o {output:q} > {log:q} 2>&1"


rule student_md:
    input:
        structure="results/{teacher}/{system}/relaxed.extxyz",
        student=distilled_student,
        gate=lambda w: gate_of(distilled_student(w)),
        settings="results/settings/{system}/student_md.yaml",
    output:
        "results/{teacher}/{system}/md.nc",
    params:
        device=device_option("student_md"),
        guard=[],
    log:
        "logs/student_md/{teacher}/{system}.log",
    benchmark:
        "results/benchmarks/student_md/{teacher}/{system}.tsv"
    threads: 2
    resources:
        mem_mb=per_attempt(8000),
        runtime=per_attempt(1440),
        gpu=gpus("student_md"),
    conda:
        BASE_ENV
    shell:
        "lesdistill md {input.structure:q} --student {input.student:q} --settings {input.settings:q} {params.guard:q} "
        "{params.device:q} -o {output:q} > {log:q} 2>&1"


use rule student_md as explore with:
    input:
        structure="results/{teacher}/{system}/relaxed.extxyz",
        student=previous_student,
        gate=lambda w: gate_of(previous_student(w)),
        settings="results/settings/{system}/explore_md{round}.yaml",
    output:
        "results/{teacher}/{system}/iteration{round}/explore.nc",
    params:
        device=device_option("explore"),
        guard=["--end-on-guard"],
    log:
        "logs/explore/{teacher}/{system}/{round}.log",
    benchmark:
        "results/benchmarks/explore/{teacher}/{system}/{round}.tsv"
    resources:
        mem_mb=per_attempt(8000),
        runtime=per_attempt(240),
        gpu=gpus("explore"),
