#!/usr/bin/env bash
# make soak: the fault-injection tests with 500 kill -9 cycles each.
cd "$(dirname "$0")/../.."
QF_TEST_LIMIT=${QF_TEST_LIMIT:-2800} QF_CYCLES=${QF_CYCLES:-500} exec /usr/bin/python3 tests/integration/test_engine_faults.py
