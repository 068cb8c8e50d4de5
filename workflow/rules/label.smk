rule label:
    input:
        frames=sampled_frames,
        catalog=catalog_input,
    output:
        "results/{teacher}/{system}/labels.nc",
    params:
        device=device_option("label"),
        command=lambda w: lesdistill(w.teacher),
        catalog=catalog_option,
        split=lambda w: " ".join(f"--{k.replace('_', '-')} {v}" for k, v in CAMPAIGN.label_split(w.system).items()
                                 if v is not None),
    log:
        "logs/label/{teacher}/{system}.log",
    benchmark:
        "results/benchmarks/label/{teacher}/{system}.tsv"
    threads: 2
    resources:
        mem_mb=lambda wildcards, attempt: 8000 * attempt,
        runtime=lambda wildcards, attempt: 240 * attempt,
        gpu=gpus("label"),
    conda:
        teacher_env
    shell:
        "{params.command} label {input.frames} --teacher {wildcards.teacher} {params.catalog} {params.split} "
        "{params.device} -o {output} > {log} 2>&1"
