# The official amazon_kclpy 3.2.0 child (pure-Python package from its sdist) with an
# equivalent processor: decode every record. BENCH_MODE=rtt: checkpoint at every record.
import json
import os
import sys
import time

from amazon_kclpy import kcl
from amazon_kclpy.v3 import processor

MODE = os.environ.get("BENCH_MODE", "touch")


class Processor(processor.RecordProcessorBase):
    def __init__(self):
        self.sink = 0
        self.rtts = []

    def initialize(self, initialize_input):
        pass

    def process_records(self, process_records_input):
        records = process_records_input.records
        if MODE == "rtt":
            cp = process_records_input.checkpointer
            for r in records:
                t0 = time.perf_counter()
                cp.checkpoint(r.sequence_number, r.sub_sequence_number)
                self.rtts.append((time.perf_counter() - t0) * 1000)
            return
        for r in records:
            data = r.binary_data
            if data:
                self.sink += data[0]

    def lease_lost(self, lease_lost_input):
        if MODE == "rtt":
            sys.stderr.write("BENCH " + json.dumps({"rtts": self.rtts}) + "\n")
            sys.stderr.flush()

    def shard_ended(self, shard_ended_input):
        shard_ended_input.checkpointer.checkpoint()

    def shutdown_requested(self, shutdown_requested_input):
        pass


if __name__ == "__main__":
    kcl.KCLProcess(Processor()).run()
