// PlanIndex (engine/plan_index.hpp): the link replication between two sites runs over.
#include "engine/plan_index.hpp"

#include <gtest/gtest.h>

#include <string>

namespace firedrill {
namespace {

Plan three_sites() {
  Plan plan;
  for (const char* site : {"primary", "dr", "vault"}) {
    plan.sites.push_back(Site{site, {Host{std::string(site) + "1", site, 4, 64e9, 1e9, ""}}});
  }
  return plan;
}

TEST(PlanIndex, TheLinkBetweenTwoSitesEitherWayRound) {
  Plan plan = three_sites();
  plan.links = {Link{"wan", {"primary", "dr"}, 125e6, 0.020}};
  const PlanIndex index(plan);
  EXPECT_EQ(index.link_between(index.site("primary"), index.site("dr")), 0);
  EXPECT_EQ(index.link_between(index.site("dr"), index.site("primary")), 0);
  // No link: not even through a third site (validation refuses such a route).
  plan.links.push_back(Link{"tape", {"dr", "vault"}, 50e6, 0.005});
  const PlanIndex chained(plan);
  EXPECT_EQ(chained.link_between(chained.site("primary"), chained.site("vault")), -1);
  EXPECT_EQ(chained.link_between(chained.site("dr"), chained.site("dr")), -1);
  EXPECT_EQ(chained.link_between(-1, chained.site("dr")), -1);
}

TEST(PlanIndex, OfSeveralLinksTheOneOfLeastLatencyTheFirstAmongEquals) {
  Plan plan = three_sites();
  plan.links = {Link{"wan", {"primary", "dr"}, 125e6, 0.020},
                Link{"fibre", {"dr", "primary"}, 50e6, 0.005},
                Link{"spare", {"primary", "dr"}, 1e9, 0.005}};
  const PlanIndex index(plan);
  EXPECT_EQ(index.link_between(index.site("primary"), index.site("dr")), 1);
  plan.links[1].latency_s = 0.020;  // wan and fibre equal: the first declared
  plan.links[2].latency_s = 0.030;
  const PlanIndex equal(plan);
  EXPECT_EQ(equal.link_between(equal.site("dr"), equal.site("primary")), 0);
}

}  // namespace
}  // namespace firedrill
