rule relax:
    input:
        structure="results/systems/{system}/structure.extxyz",
        settings="results/settings/{system}/relax.yaml",
        catalog=catalog_input,
    output:
        "results/{teacher}/{system}/relaxed.extxyz",
    params:
        device=device_option("relax"),
        command=lambda w: lesdistill(w.teacher),
        catalog=catalog_option,
    log:
        "logs/relax/{teacher}/{system}.log",
    benchmark:
        "results/benchmarks/relax/{teacher}/{system}.tsv"
    threads: 2
    resources:
        mem_mb=per_attempt(8000),
        runtime=per_attempt(60),
        gpu=gpus("relax"),
    conda:
        teacher_env
    shell:
        "{params.command:q} relax {input.structure:q} --teacher {wildcards.teacher:q} {params.catalog:q} "
        "--settings {input.settings:q} {params.device:q} -o {output:q} > {log:q} 2>&1"
