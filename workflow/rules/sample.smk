rule relax:
    input:
        rules.build_system.output,
    output:
        "results/{teacher}/{system}/relaxed.extxyz",
    params:
        fmax=config["sampling"]["relax_fmax"],
        steps=config["sampling"]["relax_steps"],
    log:
        "logs/relax/{teacher}/{system}.log",
    benchmark:
        "results/benchmarks/relax/{teacher}/{system}.tsv"
    threads: 2
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=lambda wildcards, attempt: 60 * attempt,
    shell:
        "lesdistill relax {input} --teacher {wildcards.teacher} --fmax {params.fmax} --steps {params.steps} "
        "-o {output} > {log} 2>&1"


rule sample:
    input:
        structure=rules.relax.output,
        settings=config["sampling"]["settings"],
    output:
        "results/{teacher}/{system}/sample.nc",
    log:
        "logs/sample/{teacher}/{system}.log",
    benchmark:
        "results/benchmarks/sample/{teacher}/{system}.tsv"
    threads: 2
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=lambda wildcards, attempt: 120 * attempt,
    shell:
        "lesdistill md {input.structure} --teacher {wildcards.teacher} --settings {input.settings} "
        "-o {output} > {log} 2>&1"
