rule build_system:
    input:
        settings="results/settings/{system}/build_system.yaml",
    output:
        "results/systems/{system}/structure.extxyz",
    params:
        builder=lambda w: CAMPAIGN.systems[w.system].builder,
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
        "lesdistill build-system {params.builder:q} --settings {input.settings:q} -o {output:q} > {log:q} 2>&1"
