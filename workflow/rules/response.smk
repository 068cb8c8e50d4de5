rule response:
    input:
        trajectory="results/{teacher}/{system}/md.nc",
        student=distilled_student,
    output:
        "results/{teacher}/{system}/response.nc",
    params:
        device=device_option("response"),
        groups=groups_option,
        epsilon_inf=lambda w: CAMPAIGN.systems[w.system].epsilon_inf,
        stride=CAMPAIGN.response.stride,
        bec_stride=CAMPAIGN.response.bec_stride,
        chunk=CAMPAIGN.response.chunk,
        surface=CAMPAIGN.response.surface,
        slab=CAMPAIGN.response.slab,
    log:
        "logs/response/{teacher}/{system}.log",
    benchmark:
        "results/benchmarks/response/{teacher}/{system}.tsv"
    threads: 2
    resources:
        mem_mb=lambda wildcards, attempt: 8000 * attempt,
        runtime=lambda wildcards, attempt: 720 * attempt,
        gpu=gpus("response"),
    conda:
        BASE_ENV
    shell:
        "lesdistill response {input.trajectory:q} --student {input.student:q} {params.groups:q} "
        "--epsilon-inf {params.epsilon_inf:q} --stride {params.stride:q} --bec-stride {params.bec_stride:q} "
        "--chunk {params.chunk:q} --surface {params.surface:q} --slab {params.slab:q} {params.device:q} -o {output:q} > {log:q} 2>&1"
