rule label:
    input:
        rules.sample.output,
    output:
        "results/{teacher}/{system}/labels.nc",
    params:
        validation=config["labelling"]["validation_fraction"],
        test=config["labelling"]["test_fraction"],
        seed=config["labelling"]["seed"],
    log:
        "logs/label/{teacher}/{system}.log",
    benchmark:
        "results/benchmarks/label/{teacher}/{system}.tsv"
    threads: 2
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=lambda wildcards, attempt: 120 * attempt,
    shell:
        "lesdistill label {input} --teacher {wildcards.teacher} --validation-fraction {params.validation} "
        "--test-fraction {params.test} --seed {params.seed} -o {output} > {log} 2>&1"
