rule build_system:
    output:
        "results/systems/{system}/structure.extxyz",
    params:
        arguments=lambda w: CAMPAIGN.systems[w.system].build_arguments(),
    log:
        "logs/build_system/{system}.log",
    benchmark:
        "results/benchmarks/build_system/{system}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    conda:
        BASE_ENV
    shell:
        "lesdistill build-system {params.arguments:q} -o {output:q} > {log:q} 2>&1"
