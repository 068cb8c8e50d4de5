# Learning curves (systems.<s>.learning_curve: training-set sizes): per cell a student trained on each
# seeded, nested subset of the cell's training frames and scored on the cell's test frames, in
# results/{teacher}/{system}/learning_curve/{size}/. The rules are train and evaluate with other files.
SUBSET = "results/{teacher}/{system}/learning_curve/{size}"


use rule train as train_subset with:
    input:
        labels="results/{teacher}/{system}/labels.nc",
        model="results/settings/{system}/model.yaml",
        settings="results/settings/{system}/learning_curve-{size}.yaml",
    output:
        f"{SUBSET}/student.pt",
    log:
        "logs/train/{teacher}/{system}/learning_curve-{size}.log",
    benchmark:
        "results/benchmarks/train/{teacher}/{system}/learning_curve-{size}.tsv"


use rule evaluate as evaluate_subset with:
    input:
        student=f"{SUBSET}/student.pt",
        labels="results/{teacher}/{system}/labels.nc",
        dft=[],
        bec=[],
        teacher_bec=[],
        settings="results/settings/{system}/evaluate.yaml",
    output:
        metrics=f"{SUBSET}/metrics.nc",
        summary=f"{SUBSET}/metrics.json",
    log:
        "logs/evaluate/{teacher}/{system}/learning_curve-{size}.log",
    benchmark:
        "results/benchmarks/evaluate/{teacher}/{system}/learning_curve-{size}.tsv"
