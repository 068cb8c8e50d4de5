rule ir:
    input:
        "results/{teacher}/{system}/response.nc",
    output:
        "results/{teacher}/{system}/ir.nc",
    params:
        options=lambda w: CAMPAIGN.ir_settings(w.system).command_arguments(),
    log:
        "logs/ir/{teacher}/{system}.log",
    benchmark:
        "results/benchmarks/ir/{teacher}/{system}.tsv"
    threads: 1
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=lambda wildcards, attempt: 30 * attempt,
    conda:
        BASE_ENV
    shell:
        "lesdistill ir {input:q} {params.options:q} -o {output:q} > {log:q} 2>&1"
