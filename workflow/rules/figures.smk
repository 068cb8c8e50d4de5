# Paper figures from every cell's ir.nc and response.nc (lesdistill figures), labelled for the report.
FIGURE_FORMATS = CAMPAIGN.figures.formats
DECOMPOSED_CELLS = [(t, s) for t, s in CELLS if get_decomposition(s)]
DENSITY_CELLS = [(t, s) for t, s in DECOMPOSED_CELLS if decomposition(get_decomposition(s)).density_profile]
FIGURES = (
    [f"results/figures/ir_{s}.{f}" for s in SYSTEMS for f in FIGURE_FORMATS]
    + [f"results/figures/bec_distributions.{f}" for f in FIGURE_FORMATS]
    + [f"results/figures/groups_{t}_{s}.{f}" for t, s in DECOMPOSED_CELLS for f in FIGURE_FORMATS]
    + [f"results/figures/density_{t}_{s}.{f}" for t, s in DENSITY_CELLS for f in FIGURE_FORMATS]
)


rule make_figures:
    input:
        ir=cell_files("ir.nc"),
        response=cell_files("response.nc"),
        gates=[gate_of(cell_md_student(t, s)) for t, s in CELLS],
        settings="results/settings/figures.yaml",
    output:
        [report_figure(path) for path in FIGURES if path.endswith(".png")],
        [path for path in FIGURES if not path.endswith(".png")],
    params:
        responses=[f"{t}/{s}=results/{t}/{s}/response.nc" for t, s in CELLS],
        groups=["--groups", *(f"results/{t}/{s}/ir.nc" for t, s in DECOMPOSED_CELLS)] if DECOMPOSED_CELLS else [],
        density=["--density", *(f"results/{t}/{s}/response.nc" for t, s in DENSITY_CELLS)] if DENSITY_CELLS else [],
        gates=[f"{t}/{s}={gate_of(cell_md_student(t, s))}" for t, s in CELLS],
    log:
        "logs/figures.log",
    benchmark:
        "results/benchmarks/figures.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        BASE_ENV
    shell:
        "lesdistill figures --out results/figures --ir {input.ir:q} --response {params.responses:q} "
        "{params.groups:q} {params.density:q} --gate {params.gates:q} --settings {input.settings:q} --overwrite "
        "> {log:q} 2>&1"


# The summary reads whatever the cells produced and has no cell among its inputs, so that one failed
# cell does not block it: run it after the campaign (`make demo` does: snakemake --keep-going, then
# snakemake summary --forcerun summary). A failed cell's row names the stage and its log's last line.
BEC_SYSTEMS = [s for s in SYSTEMS if BEC_REFERENCE[s]]
TEACHER_BEC_SYSTEMS = list(dict.fromkeys(s for t, s in CAMPAIGN.cells() if CAMPAIGN.has_teacher_becs(t)))
LEARNING_CURVE_SYSTEMS = [s for s in SYSTEMS if CAMPAIGN.systems[s].learning_curve]


rule summary:
    output:
        csv="results/summary.csv",
        markdown="results/summary.md",
        figures=[f"results/figures/summary{kind}_{s}.{f}" for kind in ("", "_groups") for s in SYSTEMS
                 for f in FIGURE_FORMATS]
        + [f"results/figures/bec_parity_{s}.{f}" for s in BEC_SYSTEMS for f in FIGURE_FORMATS]
        + [f"results/figures/teacher_bec_parity_{s}.{f}" for s in TEACHER_BEC_SYSTEMS for f in FIGURE_FORMATS]
        + [f"results/figures/learning_curve_{s}.{f}" for s in LEARNING_CURVE_SYSTEMS for f in FIGURE_FORMATS],
    params:
        formats=FIGURE_FORMATS,
        dpi=CAMPAIGN.figures.dpi,
        bec_systems=BEC_SYSTEMS,
        teacher_bec_systems=TEACHER_BEC_SYSTEMS,
        learning_curve_systems=LEARNING_CURVE_SYSTEMS,
        dft_systems=[s for s in SYSTEMS if DFT_DATA[s]],
        direct_fit_systems=DIRECT_FIT_SYSTEMS,
    log:
        "logs/summary.log",
    localrule: True
    conda:
        BASE_ENV
    script:
        "../scripts/summary.py"
