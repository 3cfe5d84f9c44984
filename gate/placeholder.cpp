// Placeholder until the gate module lands.
namespace stackgate::gate {}
