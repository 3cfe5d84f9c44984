#include "compose/infer.h"
namespace stackgate::compose {
std::vector<InferredProbe> infer_probes(const Project&, const Service&, const InferOptions&) { return {}; }
}
