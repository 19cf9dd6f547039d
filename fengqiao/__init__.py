"""fengqiao 枫桥: a closed-loop case pipeline for People's Mediation (人民调解), each case a Prefect flow.

The folders of the pipeline stay at the top of the repository (models/, services/, tasks/,
flows/, …); this package links them under one installed name, so that `import fengqiao.config`
can never meet another distribution's top-level `config`.
"""
