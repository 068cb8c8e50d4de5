rule response:
    input:
        trajectory="results/{teacher}/{system}/md.nc",
        student=md_student,
    output:
        "results/{teacher}/{system}/response.nc",
    params:
        device=device_option("response"),
        groups=groups_option,
        epsilon_inf=lambda w: CAMPAIGN.systems[w.system].epsilon_inf,
        stride=CAMPAIGN.response.stride,
        bec_stride=CAMPAIGN.response.bec_stride,
        chunk=CAMPAIGN.response.chunk,
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
        "lesdistill response {input.trajectory} --student {input.student} {params.groups} "
        "--epsilon-inf {params.epsilon_inf} --stride {params.stride} --bec-stride {params.bec_stride} "
        "--chunk {params.chunk} {params.device} -o {output} > {log} 2>&1"


rule ir:
    input:
        "results/{teacher}/{system}/response.nc",
    output:
        "results/{teacher}/{system}/ir.nc",
    params:
        options=lambda w: " ".join(CAMPAIGN.ir_settings(w.system).command_arguments()),
    log:
        "logs/ir/{teacher}/{system}.log",
    benchmark:
        "results/benchmarks/ir/{teacher}/{system}.tsv"
    threads: 1
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=lambda wildcards, attempt: 30 * attempt,
    conda:
        BASE_ENV
    shell:
        "lesdistill ir {input} {params.options} -o {output} > {log} 2>&1"
