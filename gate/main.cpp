#include "gate/run.h"

int main(int argc, char** argv) { return stackgate::gate::run(argc, argv); }
