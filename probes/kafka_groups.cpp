#include "probes/kafka_groups.h"

namespace stackgate::probes::kafka {
namespace {

std::string members(size_t n) { return std::to_string(n) + (n == 1 ? " member" : " members"); }

}  // namespace

std::string format_assignment(const Assignment& assignment) {
  std::string out;
  for (const auto& [topic, partitions] : assignment) {
    if (partitions.empty()) continue;
    if (!out.empty()) out += " ";
    out += topic + "[";
    bool first = true;
    for (int p : partitions) {
      out += (first ? "" : ",") + std::to_string(p);
      first = false;
    }
    out += "]";
  }
  return out.empty() ? "nothing" : out;
}

std::optional<std::string> describe_change(const GroupSnapshot& before, const GroupSnapshot& now) {
  if (before == now) return std::nullopt;
  bool same_ids = before.members.size() == now.members.size();
  for (auto b = before.members.begin(), n = now.members.begin(); same_ids && b != before.members.end(); ++b, ++n) {
    same_ids = b->first == n->first;
  }
  if (!same_ids) {
    std::string counts = std::to_string(before.members.size()) + " → " + members(now.members.size());
    if (before.members.size() == now.members.size()) counts += ", different member ids";
    return "membership changed (" + counts + ")";
  }
  for (const auto& [id, assignment] : now.members) {
    const Assignment& was = before.members.at(id);
    if (format_assignment(was) == format_assignment(assignment)) continue;
    return "was reassigned (member " + id + ": " + format_assignment(was) + " → " + format_assignment(assignment) +
           ")";
  }
  return std::nullopt;  // only empty topic entries differ
}

std::optional<std::string> unassigned_partitions(const GroupSnapshot& group,
                                                 const std::map<std::string, int>& partitions) {
  Assignment missing;
  for (const auto& [topic, count] : partitions) {
    for (int p = 0; p < count; ++p) missing[topic].insert(p);
  }
  for (const auto& [id, assignment] : group.members) {
    for (const auto& [topic, held] : assignment) {
      auto it = missing.find(topic);
      if (it == missing.end()) continue;
      for (int p : held) it->second.erase(p);
    }
  }
  std::string text = format_assignment(missing);
  if (text == "nothing") return std::nullopt;
  return text;
}

std::set<std::string> assigned_topics(const GroupSnapshot& group) {
  std::set<std::string> topics;
  for (const auto& [id, assignment] : group.members) {
    for (const auto& [topic, held] : assignment) {
      if (!held.empty()) topics.insert(topic);
    }
  }
  return topics;
}

}  // namespace stackgate::probes::kafka
