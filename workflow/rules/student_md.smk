rule student_md:
    input:
        structure="results/{teacher}/{system}/relaxed.extxyz",
        student=md_student,
        gate=lambda w: gate_of(md_student(w)),
        settings="results/settings/{system}/student_md.yaml",
    output:
        "results/{teacher}/{system}/md.nc",
    params:
        device=device_option("student_md"),
    log:
        "logs/student_md/{teacher}/{system}.log",
    benchmark:
        "results/benchmarks/student_md/{teacher}/{system}.tsv"
    threads: 2
    resources:
        mem_mb=lambda wildcards, attempt: 8000 * attempt,
        runtime=lambda wildcards, attempt: 1440 * attempt,
        gpu=gpus("student_md"),
    conda:
        BASE_ENV
    shell:
        "lesdistill md {input.structure:q} --student {input.student:q} --settings {input.settings:q} "
        "{params.device:q} -o {output:q} > {log:q} 2>&1"
