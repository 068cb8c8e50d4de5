rule response:
    input:
        trajectory="results/{teacher}/{system}/md.nc",
        student=distilled_student,
        settings="results/settings/{system}/response.yaml",
    output:
        "results/{teacher}/{system}/response.nc",
    params:
        device=device_option("response"),
    log:
        "logs/response/{teacher}/{system}.log",
    benchmark:
        "results/benchmarks/response/{teacher}/{system}.tsv"
    threads: 2
    resources:
        mem_mb=per_attempt(8000),
        runtime=per_attempt(720),
        gpu=gpus("response"),
    conda:
        BASE_ENV
    shell:
        "lesdistill response {input.trajectory:q} --student {input.student:q} --settings {input.settings:q} "
        "{params.device:q} -o {output:q} > {log:q} 2>&1"
