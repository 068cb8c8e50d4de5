rule ir:
    input:
        response="results/{teacher}/{system}/response.nc",
        settings="results/settings/{system}/ir.yaml",
    output:
        "results/{teacher}/{system}/ir.nc",
    log:
        "logs/ir/{teacher}/{system}.log",
    benchmark:
        "results/benchmarks/ir/{teacher}/{system}.tsv"
    threads: 1
    resources:
        mem_mb=per_attempt(4000),
        runtime=per_attempt(30),
    conda:
        BASE_ENV
    shell:
        "lesdistill ir {input.response:q} --settings {input.settings:q} -o {output:q} > {log:q} 2>&1"
