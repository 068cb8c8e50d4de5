rule build_system:
    output:
        "results/systems/{system}/structure.extxyz",
    params:
        builder=lambda w: system_config(w)["builder"],
        molecules=lambda w: system_config(w)["molecules"],
        density=lambda w: system_config(w)["density"],
        seed=lambda w: system_config(w)["seed"],
    log:
        "logs/build_system/{system}.log",
    benchmark:
        "results/benchmarks/build_system/{system}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "lesdistill build-system {params.builder} --molecules {params.molecules} "
        "--density {params.density} --seed {params.seed} -o {output} > {log} 2>&1"
