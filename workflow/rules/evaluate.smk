# Measured accuracy of every cell's student (the one that runs the MD): errors on the teacher's test
# frames and, for systems with DFT data, on the DFT test frames; BEC parity where the system has a
# bec_reference (lesdistill evaluate), and against the teacher's own BECs where the teacher has a
# charge model (lesdistill teacher-bec, in the teacher's environment).


rule teacher_bec:
    input:
        labels="results/{teacher}/{system}/labels.nc",
        settings="results/settings/{system}/teacher_bec.yaml",
        catalog=catalog_input,
    output:
        "results/{teacher}/{system}/teacher_bec.extxyz",
    params:
        device=device_option("teacher_bec"),
        command=lambda w: lesdistill(w.teacher),
        catalog=catalog_option,
    log:
        "logs/teacher_bec/{teacher}/{system}.log",
    benchmark:
        "results/benchmarks/teacher_bec/{teacher}/{system}.tsv"
    threads: 2
    resources:
        mem_mb=per_attempt(8000),
        runtime=per_attempt(240),
        gpu=gpus("teacher_bec"),
    conda:
        teacher_env
    shell:
        "{params.command:q} teacher-bec {input.labels:q} --teacher {wildcards.teacher:q} {params.catalog:q} "
        "--settings {input.settings:q} {params.device:q} -o {output:q} --overwrite > {log:q} 2>&1"


rule evaluate:
    input:
        student=distilled_student,
        labels="results/{teacher}/{system}/labels.nc",
        dft=dft_data,
        bec=lambda w: [BEC_REFERENCE[w.system]] if BEC_REFERENCE[w.system] else [],
        teacher_bec=teacher_becs,
        settings="results/settings/{system}/evaluate.yaml",
    output:
        metrics="results/{teacher}/{system}/metrics.nc",
        summary="results/{teacher}/{system}/metrics.json",
    params:
        device=device_option("evaluate"),
        dft=lambda w, input: ["--dft", input.dft] if input.dft else [],
        bec=lambda w, input: ["--bec-reference", input.bec] if input.bec else [],
        teacher_bec=lambda w, input: ["--teacher-bec", input.teacher_bec] if input.teacher_bec else [],
    log:
        "logs/evaluate/{teacher}/{system}.log",
    benchmark:
        "results/benchmarks/evaluate/{teacher}/{system}.tsv"
    threads: 1
    resources:
        mem_mb=per_attempt(4000),
        runtime=per_attempt(30),
        gpu=gpus("evaluate"),
    conda:
        BASE_ENV
    shell:
        "lesdistill evaluate {input.student:q} --labels {input.labels:q} {params.dft:q} {params.bec:q} "
        "{params.teacher_bec:q} --settings {input.settings:q} {params.device:q} -o {output.metrics:q} --overwrite > {log:q} 2>&1"


rule evaluate_direct_fit:
    input:
        student="results/dft-direct/{system}/student.pt",
        dft=lambda w: DFT_DATA[w.system],
    output:
        metrics="results/dft-direct/{system}/metrics.nc",
        summary="results/dft-direct/{system}/metrics.json",
    params:
        device=device_option("evaluate"),
    log:
        "logs/evaluate/dft-direct/{system}.log",
    benchmark:
        "results/benchmarks/evaluate/dft-direct/{system}.tsv"
    threads: 1
    resources:
        mem_mb=per_attempt(4000),
        runtime=per_attempt(30),
        gpu=gpus("evaluate"),
    conda:
        BASE_ENV
    shell:
        "lesdistill evaluate {input.student:q} --dft {input.dft:q} {params.device:q} -o {output.metrics:q} --overwrite "
        "> {log:q} 2>&1"
