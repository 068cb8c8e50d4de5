# Fine-tuning variants (finetune.variants) are additional cells: each fine-tuned student runs the same
# MD → response → IR chain and is evaluated, in results/{teacher}/{system}/finetune-{variant}/, while
# the distilled student keeps its own chain. The rules are the base ones with other files.
VARIANT = "results/{teacher}/{system}/finetune-{variant}"


use rule student_md as student_md_finetuned with:
    input:
        structure="results/{teacher}/{system}/relaxed.extxyz",
        student=variant_student,
        gate=lambda w: gate_of(variant_student(w)),
        settings="results/settings/{system}/student_md.yaml",
    output:
        f"{VARIANT}/md.nc",
    log:
        "logs/student_md/{teacher}/{system}/finetune-{variant}.log",
    benchmark:
        "results/benchmarks/student_md/{teacher}/{system}/finetune-{variant}.tsv"


use rule response as response_finetuned with:
    input:
        trajectory=f"{VARIANT}/md.nc",
        student=variant_student,
        settings="results/settings/{system}/response.yaml",
    output:
        f"{VARIANT}/response.nc",
    log:
        "logs/response/{teacher}/{system}/finetune-{variant}.log",
    benchmark:
        "results/benchmarks/response/{teacher}/{system}/finetune-{variant}.tsv"


use rule ir as ir_finetuned with:
    input:
        response=f"{VARIANT}/response.nc",
        settings="results/settings/{system}/ir.yaml",
    output:
        f"{VARIANT}/ir.nc",
    log:
        "logs/ir/{teacher}/{system}/finetune-{variant}.log",
    benchmark:
        "results/benchmarks/ir/{teacher}/{system}/finetune-{variant}.tsv"


use rule evaluate as evaluate_finetuned with:
    input:
        student=variant_student,
        labels="results/{teacher}/{system}/labels.nc",
        dft=dft_data,
        bec=lambda w: [BEC_REFERENCE[w.system]] if BEC_REFERENCE[w.system] else [],
        teacher_bec=teacher_becs,
        settings="results/settings/{system}/evaluate.yaml",
    output:
        metrics=f"{VARIANT}/metrics.nc",
        summary=f"{VARIANT}/metrics.json",
    log:
        "logs/evaluate/{teacher}/{system}/finetune-{variant}.log",
    benchmark:
        "results/benchmarks/evaluate/{teacher}/{system}/finetune-{variant}.tsv"
