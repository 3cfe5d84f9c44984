// What the Kafka probe compares between attempts to tell a stable consumer
// group from one that rebalanced in between: its members and each member's
// assigned partitions, as DescribeGroups lists them. Plain data, no
// librdkafka, so the comparison is tested on its own.
//
// DescribeGroups carries no generation id, so a rebalance is visible only
// through what it changes. A consumer joining, leaving or being replaced
// changes the member ids; a consumer that changes its subscription, or the
// second round of a cooperative-sticky rebalance, keeps the member ids and
// changes the assignment. A rebalance that changes neither leaves the group
// as it was, and cannot be told apart from no rebalance at all.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

namespace stackgate::probes::kafka {

/// topic -> partitions assigned to one member.
using Assignment = std::map<std::string, std::set<int>>;

/// One group at one attempt: member id -> its assignment.
struct GroupSnapshot {
  std::map<std::string, Assignment> members;
  bool operator==(const GroupSnapshot&) const = default;
};

/// "events[0,1] audit[0]", or "nothing".
std::string format_assignment(const Assignment& assignment);

/// Why `now` is not the group `before` was, as a reason continuing "group g ":
///   "membership changed (1 → 2 members)"
///   "membership changed (2 → 2 members, different member ids)"
///   "was reassigned (member m-1: events[0,1] → events[0])"
/// nullopt when both are the same.
std::optional<std::string> describe_change(const GroupSnapshot& before, const GroupSnapshot& now);

/// The partitions of `partitions` (topic -> partition count) that no member
/// holds, as "events[1,2] audit[0]"; nullopt when every one is assigned.
std::optional<std::string> unassigned_partitions(const GroupSnapshot& group,
                                                 const std::map<std::string, int>& partitions);

/// Every topic any member holds a partition of.
std::set<std::string> assigned_topics(const GroupSnapshot& group);

}  // namespace stackgate::probes::kafka
