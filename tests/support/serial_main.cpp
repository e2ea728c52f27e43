// Catch2 main for the serial tests of the sensor library (no MPI).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
