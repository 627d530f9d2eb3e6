#!/usr/bin/env python3
"""Writes a large plan and a site-outage scenario for the what-if benchmark.

    make_large_plan.py OUT_DIR [--vms 500]

The plan: a primary site of hosts in one HA cluster on a SAN, a DR site, one WAN; the
VMs come in application groups of 10 (1 directory server, 1 database, 4 application
servers, 4 web servers, each tier depending on the one below, priorities 1-4), replicated
in jobs of 50 VMs every 15 minutes. The scenario loses the primary site at a uniformly
random time between 1h and 5h of a 6h run, so every run draws its own failure time.
"""
import argparse
import json
import os


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--vms", type=int, default=500)
    args = parser.parse_args()
    groups = max(1, args.vms // 10)
    vm_count = groups * 10
    primary_hosts = max(2, vm_count // 20)
    dr_hosts = max(2, vm_count // 25)

    vms = []
    tiers = [("dir", 1, 2, "4GiB", "40GiB", "50KBps", "45s"),
             ("db", 2, 4, "8GiB", "200GiB", "1MBps", "90s"),
             ("app", 3, 2, "4GiB", "60GiB", "200KBps", "60s"),
             ("web", 4, 2, "2GiB", "30GiB", "50KBps", "30s")]
    for g in range(groups):
        names = {}
        for tier, priority, vcpus, memory, disk, rate, boot in tiers:
            count = 4 if tier in ("app", "web") else 1
            names[tier] = [f"g{g:03d}-{tier}{i}" for i in range(count)]
            for i, name in enumerate(names[tier]):
                depends = {"dir": [], "db": names.get("dir", []), "app": names.get("db", []),
                           "web": names.get("app", [])}[tier]
                vms.append({
                    "name": name, "host": f"p{(len(vms)) % primary_hosts:02d}",
                    "vcpus": vcpus, "memory": memory, "disk": disk, "change_rate": rate,
                    "boot_time": boot, "network": "prod", "priority": priority,
                    "depends_on": list(depends),
                    "objectives": {"rto": "1h", "rpo": "30m"},
                })
    jobs = []
    for j in range(0, vm_count, 50):
        jobs.append({"name": f"job{j // 50:02d}", "vms": [vm["name"] for vm in vms[j:j + 50]],
                     "target_host": f"d{(j // 50) % dr_hosts:02d}", "interval": "15m",
                     "retention": {"points": 24}})
    plan = {
        "name": f"large-{vm_count}",
        "sites": [
            {"name": "primary", "hosts": [{"name": f"p{i:02d}", "cores": 32, "memory": "512GiB"}
                                          for i in range(primary_hosts)]},
            {"name": "dr", "hosts": [{"name": f"d{i:02d}", "cores": 32, "memory": "512GiB"}
                                     for i in range(dr_hosts)]},
        ],
        "datastores": [{"name": "san", "hosts": [f"p{i:02d}" for i in range(primary_hosts)],
                        "read_bandwidth": "2GBps"}],
        "links": [{"name": "wan", "between": ["primary", "dr"], "bandwidth": "10Gbps",
                   "latency": "10ms"}],
        "networks": [{"name": "prod", "site": "primary"}, {"name": "dr-net", "site": "dr"}],
        "vms": vms,
        "clusters": [{"name": "prod", "hosts": [f"p{i:02d}" for i in range(primary_hosts)],
                      "datastore": "san", "ha": {"failure_timeout": "15s"}}],
        "replication": jobs,
        "recovery": {"target_site": "dr", "detection": "60s", "operator_delay": "5m",
                     "network_mapping": {"prod": "dr-net"}, "max_concurrent_boots": 32},
    }
    scenario = {
        "name": f"large-{vm_count}-site-outage",
        "plan": f"large-{vm_count}.plan.json",
        "seed": 1,
        "duration": "6h",
        "events": [{"at": {"dist": "uniform", "min": "1h", "max": "5h"}, "fail": "site",
                    "target": "primary"}],
    }
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, f"large-{vm_count}.plan.json"), "w") as out:
        json.dump(plan, out, indent=1)
    with open(os.path.join(args.out_dir, f"large-{vm_count}-site-outage.json"), "w") as out:
        json.dump(scenario, out, indent=1)
    print(os.path.join(args.out_dir, f"large-{vm_count}-site-outage.json"))


if __name__ == "__main__":
    main()
