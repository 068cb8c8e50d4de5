rule electrostatics:
    input:
        "results/systems/{system}/structure.extxyz",
    output:
        "results/electrostatics/{system}.nc",
    params:
        device=device_option("electrostatics"),
        charges=lambda w: ",".join(f"{k}={v}" for k, v in CAMPAIGN.systems[w.system].charges.items()),
        epsilon_inf=lambda w: CAMPAIGN.systems[w.system].epsilon_inf,
    log:
        "logs/electrostatics/{system}.log",
    benchmark:
        "results/benchmarks/electrostatics/{system}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
        gpu=gpus("electrostatics"),
    conda:
        BASE_ENV
    shell:
        "lesdistill electrostatics {input:q} --charges {params.charges:q} "
        "--epsilon-inf {params.epsilon_inf:q} {params.device:q} -o {output:q} > {log:q} 2>&1"
