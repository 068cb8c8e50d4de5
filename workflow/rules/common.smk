# Shared definitions: the teachers and systems of the config, wildcard constraints built from them.
TEACHERS = list(config["teachers"])
SYSTEMS = list(config["systems"])


wildcard_constraints:
    teacher="|".join(TEACHERS),
    system="|".join(SYSTEMS),


def system_config(wildcards):
    """The config block of one system."""
    return config["systems"][wildcards.system]


def charges_argument(wildcards):
    """'O=-0.82,H=0.41' from the system's per-element charges."""
    charges = system_config(wildcards)["charges"]
    return ",".join(f"{symbol}={value}" for symbol, value in charges.items())
