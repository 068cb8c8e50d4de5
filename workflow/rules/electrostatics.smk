rule electrostatics:
    input:
        rules.build_system.output,
    output:
        "results/electrostatics/{system}.nc",
    params:
        charges=charges_argument,
        epsilon_inf=lambda w: system_config(w)["epsilon_inf"],
    log:
        "logs/electrostatics/{system}.log",
    benchmark:
        "results/benchmarks/electrostatics/{system}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "lesdistill electrostatics {input} --charges {params.charges} "
        "--epsilon-inf {params.epsilon_inf} -o {output} > {log} 2>&1"
