// kvctl's table commands: the catalog (create-database, create-table, databases, tables,
// drop), rows (insert, count, dump), node-side checksums (checksum) and the workload tools
// (load sysbench, churn). The work is done by the brkv_table library; these files only parse
// flags and print.
#pragma once

namespace CLI {
class App;
}

namespace brkv::tools {

class KvctlContext;

// Registers every table command on `app`.
void AddTableCommands(CLI::App* app, KvctlContext* ctx);
// The workload part (load sysbench, churn); called by AddTableCommands.
void AddLoadCommands(CLI::App* app, KvctlContext* ctx);

}  // namespace brkv::tools
