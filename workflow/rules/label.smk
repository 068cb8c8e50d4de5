rule label:
    input:
        frames=sampled_frames,
        settings="results/settings/{system}/label.yaml",
        catalog=catalog_input,
    output:
        "results/{teacher}/{system}/labels.nc",
    params:
        device=device_option("label"),
        command=lambda w: lesdistill(w.teacher),
        catalog=catalog_option,
    log:
        "logs/label/{teacher}/{system}.log",
    benchmark:
        "results/benchmarks/label/{teacher}/{system}.tsv"
    threads: 2
    resources:
        mem_mb=per_attempt(8000),
        runtime=per_attempt(240),
        gpu=gpus("label"),
    conda:
        teacher_env
    shell:
        "{params.command:q} label {input.frames:q} --teacher {wildcards.teacher:q} {params.catalog:q} --settings {input.settings:q} "
        "{params.device:q} -o {output:q} > {log:q} 2>&1"


use rule label as relabel with:
    input:
        frames=rules.explore.output,
        settings="results/settings/{system}/relabel{round}.yaml",
        catalog=catalog_input,
    output:
        "results/{teacher}/{system}/iteration{round}/labels.nc",
    params:
        device=device_option("relabel"),
        command=lambda w: lesdistill(w.teacher),
        catalog=catalog_option,
    log:
        "logs/relabel/{teacher}/{system}/{round}.log",
    benchmark:
        "results/benchmarks/relabel/{teacher}/{system}/{round}.tsv"
    resources:
        mem_mb=per_attempt(8000),
        runtime=per_attempt(240),
        gpu=gpus("relabel"),
