rule electrostatics:
    input:
        structure="results/systems/{system}/structure.extxyz",
        settings="results/settings/{system}/electrostatics.yaml",
    output:
        "results/electrostatics/{system}.nc",
    params:
        device=device_option("electrostatics"),
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
        "lesdistill electrostatics {input.structure:q} --settings {input.settings:q} "
        "{params.device:q} -o {output:q} > {log:q} 2>&1"
