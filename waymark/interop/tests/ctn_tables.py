"""Small hand-written CTN-0094 tables with known answers, shared by the reader's and the import's tests."""

import gzip
from pathlib import Path

META = """Substance,CTN-0027,CTN-0030,CTN-0051
Alcohol,Alcohol,NO,NO
Barbiturate,NO,NO,Barbiturate
Cannabinoids,THC,THC,THC
Opiate 300,Opioid,Opioid,Opioid
"""


def write(folder: Path, table: str, text: str) -> None:
    with gzip.open(folder / f"{table}.csv.gz", "wt", encoding="utf-8", newline="") as out:
        out.write(text)


def write_tables(tmp_path: Path) -> Path:
    """Write the tables into the folder and return it."""
    write(tmp_path, "everybody", "who,project\n1,27\n2,30\n3,51\n4,27\n")
    write(tmp_path, "site_masked", "who,site_masked\n1,21\n2,35\n3,8\n4,21\n")
    write(
        tmp_path,
        "demographics",
        "who,age,is_hispanic,race,job,is_living_stable,education,marital,is_male\n"
        "1,43.0,No,White,,,,,Yes\n2,,Yes,Black,,,,,No\n3,30.0,,Other,,,,,\n4,29.0,No,White,,,,,Yes\n",
    )
    write(
        tmp_path,
        "randomization",
        "who,treatment,which,when\n"
        "1,Methadone,1,0.0\n1,Methadone,2,0.0\n"  # CTN-0027 repeats its randomisation
        "2,Outpatient BUP + EMM,1,7.0\n2,Outpatient BUP + SMM,2,40.0\n"  # CTN-0030's second phase
        "3,Inpatient NR-NTX,1,13.0\n3,Inpatient NR-NTX,2,13.0\n"
        "3,Unknown arm,1,20.0\n",
    )
    write(
        tmp_path,
        "treatment",
        "who,amount,when\n"
        "1,30.0,0.0\n1,40.0,1.0\n1,10.0,1.0\n"  # two doses on day 1
        "2,4.0,5.0\n"  # before the first randomisation
        "2,16.0,39.0\n2,8.0,40.0\n"  # phase 1's last day, phase 2's first
        "4,60.0,3.0\n"  # never randomised
        "3,1.0,\n",  # no day
    )
    write(tmp_path, "meta_substance_groups_uds", META)
    write(tmp_path, "uds", "who,what,when\n1,Opioid,7.0\n1,Thc,7.0\n3,Sedatives,14.0\n2,Opioid,20.0\n")
    write(tmp_path, "uds_temp", "who,was_temp_ok,when\n1,1,7.0\n3,0,14.0\n3,1,14.0\n2,99,9.0\n1,1,\n")
    write(tmp_path, "withdrawal", "who,withdrawal,when\n1,2,1.0\n1,,2.0\n2,4,3.0\n")
    write(
        tmp_path,
        "detox",
        "who,what,when\n3,admission,-6.0\n3,discharge,-1.0\n1,discharge,2.0\n2,admission,5.0\n",
    )
    write(
        tmp_path,
        "visit",
        "who,visit,what,is_no_note,when\n1,BASELINE,,,0.0\n1,WK1,visit,,7.0\n1,WK2,no visit,,\n"
        "2,WK3,MISSING,,21.0\n2,EOT,final,,60.0\n",
    )
    return tmp_path
