//===- Runtime.cpp - the r1c runtime --------------------------------------===//
//
// This file implements the r1rt C API. A model maps weights.bin, loads
// model.so, resolves every kernel and the compiled host program once and
// checks that the host program was compiled against program.txt; a session
// owns the slot buffers (sized for the largest call so far), the KV caches
// and the position, and runs the host program on them, which calls the
// kernels and hands the runtime steps back through the frame's callbacks.
//
//===----------------------------------------------------------------------===//

#include "r1rt.h"

#include "runtime/EmbeddedFiles.h"
#include "runtime/MappedFile.h"
#include "runtime/Program.h"
#include "runtime/SessionState.h"
#include "runtime/r1host.h"

#include "HalideRuntime.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <link.h>
#include <fcntl.h>
#include <link.h>
#include <memory>
#include <stdexcept>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace r1rt;

namespace {

using KernelFn = int (*)(void **);

// The halide_buffer_t the AOT kernels read, as Halide 14 lays it out
// (HalideRuntime.h); fillBuffer is the one place that writes one, for the
// host program's calls and the runtime's own. A header from another Halide
// with another layout stops the build here.
static_assert(sizeof(halide_type_t) == 4 && sizeof(halide_dimension_t) == 16,
              "halide_type_t and halide_dimension_t as Halide 14 has them");
static_assert(offsetof(halide_buffer_t, host) == 16 &&
                  offsetof(halide_buffer_t, flags) == 24 &&
                  offsetof(halide_buffer_t, type) == 32 &&
                  offsetof(halide_buffer_t, dimensions) == 36 &&
                  offsetof(halide_buffer_t, dim) == 40 &&
                  sizeof(halide_buffer_t) == 56,
              "halide_buffer_t as Halide 14's kernels read it");

constexpr size_t kMaxKernelArgs = R1_HOST_MAX_ARGS;

/// `buffer`, with its dims in `dims` (room for 4), as the dense buffer `arg`
/// describes: each dim's stride is the product of the extents inside it.
/// False when `arg` has more than 4 dims.
bool fillBuffer(const r1_host_arg &arg, halide_buffer_t &buffer,
                halide_dimension_t *dims) {
  if (arg.dimensions < 0 || arg.dimensions > 4)
    return false;
  buffer = halide_buffer_t();
  buffer.host = static_cast<uint8_t *>(arg.host);
  buffer.type =
      halide_type_t(halide_type_code_t(arg.type_code), uint8_t(arg.type_bits));
  buffer.dimensions = int32_t(arg.dimensions);
  buffer.dim = dims;
  // Halide's extents and strides are int32, which they become here; the
  // product is unsigned so that a wide one wraps rather than overflows.
  uint64_t stride = 1;
  for (int d = 0; d < buffer.dimensions; ++d) {
    dims[d] = {0, int32_t(arg.extent[d]), int32_t(stride), 0};
    stride *= uint64_t(arg.extent[d]);
  }
  return true;
}

using HostRunFn = int32_t (*)(const r1_host_frame *);

/// Whether this CPU has `feature` (a name program.txt may list).
bool cpuHas(const std::string &feature) {
  __builtin_cpu_init();
#define R1RT_FEATURE(name)                                                     \
  if (feature == name)                                                         \
    return __builtin_cpu_supports(name);
  R1RT_FEATURE("sse4.1")
  R1RT_FEATURE("avx")
  R1RT_FEATURE("avx2")
  R1RT_FEATURE("fma")
  R1RT_FEATURE("f16c")
  R1RT_FEATURE("avx512f")
  R1RT_FEATURE("avx512bw")
  R1RT_FEATURE("avx512dq")
  R1RT_FEATURE("avx512vl")
  R1RT_FEATURE("avx512ifma")
  R1RT_FEATURE("avx512vbmi")
  R1RT_FEATURE("avx512vnni")
  R1RT_FEATURE("avx512bf16")
#undef R1RT_FEATURE
  return false; // a feature this runtime does not know: refuse
}

/// Heap memory aligned to a cache line, so kernels' vector loads and stores
/// of a row never straddle two lines.
class AlignedBuffer {
public:
  AlignedBuffer() = default;
  AlignedBuffer(const AlignedBuffer &) = delete;
  AlignedBuffer &operator=(const AlignedBuffer &) = delete;
  AlignedBuffer(AlignedBuffer &&other) noexcept
      : bytes(other.bytes), memory(other.memory) {
    other.memory = nullptr;
    other.bytes = 0;
  }
  ~AlignedBuffer() { std::free(memory); }

  /// Makes room for `size` bytes, keeping the old contents when `keep`.
  void grow(size_t size, bool keep) {
    if (size <= bytes)
      return;
    size_t rounded = (size + 63) / 64 * 64;
    auto *fresh = static_cast<uint8_t *>(std::aligned_alloc(64, rounded));
    if (!fresh)
      throw std::bad_alloc();
    if (keep && bytes)
      std::memcpy(fresh, memory, bytes);
    std::free(memory);
    memory = fresh;
    bytes = rounded;
  }
  uint8_t *data() const { return memory; }
  template <typename T> T *as() const { return reinterpret_cast<T *>(memory); }

private:
  size_t bytes = 0;
  uint8_t *memory = nullptr;
};

} // namespace

/// The last Halide error on this thread. Halide's default handler aborts
/// the process; this one keeps the message so the call can fail cleanly.
/// Buffer checks, the errors a bad program causes, run on the calling
/// thread before any parallel work; an error inside a worker task is
/// reported by its status code alone.
thread_local std::string lastKernelError;

extern "C" void recordKernelError(void *, const char *message) {
  lastKernelError = message ? message : "";
  while (!lastKernelError.empty() &&
         (lastKernelError.back() == '\n' || lastKernelError.back() == ' '))
    lastKernelError.pop_back();
}

/// The files r1c --emit=exe embedded in this executable (r1host.h); weak,
/// so null in a program without them.
extern "C" const r1_embedded_file r1_embedded_files[] __attribute__((weak));

namespace {

/// The loaded (PT_LOAD) segments of the object that holds `address`, with
/// its name ("" for the executable).
struct LoadedObject {
  uintptr_t address = 0;
  std::string name;
  struct Segment {
    uintptr_t start;            // in memory
    uint64_t offset, fileBytes; // in the file
  };
  std::vector<Segment> segments;
};

int findLoadedObject(dl_phdr_info *info, size_t, void *data) {
  auto *object = static_cast<LoadedObject *>(data);
  std::vector<LoadedObject::Segment> segments;
  bool holds = false;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr) &header = info->dlpi_phdr[i];
    if (header.p_type != PT_LOAD)
      continue;
    uintptr_t start = info->dlpi_addr + header.p_vaddr;
    segments.push_back({start, header.p_offset, header.p_filesz});
    holds |=
        object->address >= start && object->address - start < header.p_memsz;
  }
  if (!holds)
    return 0;
  object->name = info->dlpi_name ? info->dlpi_name : "";
  object->segments = std::move(segments);
  return 1;
}

/// Why the embedded files cannot be read, or "" when they can. They are
/// mapped from the executable's file; reading a page past the end of a
/// truncated copy raises SIGBUS, so before anything reads the table or a
/// file, every byte of every loaded segment must be in the file on disk,
/// and every embedded file inside a segment's file bytes.
std::string checkExecutableOnDisk() {
  LoadedObject object;
  object.address = reinterpret_cast<uintptr_t>(r1_embedded_files);
  if (!dl_iterate_phdr(findLoadedObject, &object))
    return "cannot find the loaded segments that hold the embedded files";
  std::string path = object.name.empty() ? "/proc/self/exe" : object.name;
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    return "cannot check the embedded files: cannot stat " + path + ": " +
           std::strerror(errno);
  if (object.name.empty()) { // name the executable, not /proc's link
    char target[PATH_MAX];
    ssize_t n = readlink(path.c_str(), target, sizeof(target) - 1);
    if (n > 0)
      path.assign(target, size_t(n));
  }
  uint64_t size = uint64_t(st.st_size), needed = 0;
  for (const LoadedObject::Segment &segment : object.segments)
    needed = std::max(needed, segment.offset + segment.fileBytes);
  if (needed > size)
    return "executable is truncated: " + path + " has " + std::to_string(size) +
           " bytes, but its loaded segments end at byte " +
           std::to_string(needed) +
           "; copy it again or rebuild it with r1c --emit=exe";
  auto inFile = [&](const void *data, uint64_t bytes) {
    uintptr_t address = reinterpret_cast<uintptr_t>(data);
    for (const LoadedObject::Segment &segment : object.segments)
      if (address >= segment.start &&
          address - segment.start <= segment.fileBytes &&
          bytes <= segment.fileBytes - (address - segment.start))
        return true;
    return false;
  };
  for (const r1_embedded_file *f = r1_embedded_files;; ++f) {
    if (!inFile(f, sizeof(*f)))
      return "the executable's table of embedded files is not in its file";
    if (!f->name)
      break;
    if (!inFile(f->data, f->bytes))
      return "an embedded file lies outside the executable's file";
  }
  return "";
}

/// From the lowest to the highest address of the main program's loaded
/// segments (the first object dl_iterate_phdr visits).
int mainProgramExtent(dl_phdr_info *info, size_t, void *data) {
  auto *extent = static_cast<std::pair<uintptr_t, uintptr_t> *>(data);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr) &segment = info->dlpi_phdr[i];
    if (segment.p_type != PT_LOAD)
      continue;
    uintptr_t begin = info->dlpi_addr + segment.p_vaddr;
    extent->first = std::min(extent->first, begin);
    extent->second = std::max(extent->second, begin + segment.p_memsz);
  }
  return 1;
}

/// This executable's table of embedded files once checked, or null (with
/// `*why` set when it has one that is damaged).
const r1_embedded_file *embeddedTable(std::string *why = nullptr) {
  static const std::string error = [] {
    if (!r1_embedded_files)
      return std::string();
    // The table and files are mapped from the file: check that they are
    // there before reading them (no SIGBUS), then what the table says.
    std::string message = checkExecutableOnDisk();
    if (!message.empty())
      return message;
    std::pair<uintptr_t, uintptr_t> extent(UINTPTR_MAX, 0);
    dl_iterate_phdr(mainProgramExtent, &extent);
    if (r1_embedded_files &&
        (extent.first >= extent.second ||
         !checkEmbeddedFiles(r1_embedded_files,
                             reinterpret_cast<const void *>(extent.first),
                             extent.second - extent.first, message)))
      return "this executable's embedded files are damaged: " +
             (message.empty() ? std::string("no loaded segments") : message);
    return std::string();
  }();
  if (why)
    *why = error;
  return error.empty() ? r1_embedded_files : nullptr;
}

/// The embedded file `name`, or null.
const r1_embedded_file *embeddedFile(const std::string &name) {
  const r1_embedded_file *table = embeddedTable();
  if (!table)
    return nullptr;
  for (const r1_embedded_file *f = table; f->name; ++f)
    if (name == f->name)
      return f;
  return nullptr;
}

} // namespace

struct r1rt_model {
  Program program;
  std::string identity;   // programIdentity(program.txt), for saved states
  MappedFile weightsFile; // a folder's weights.bin, mapped
  const uint8_t *weights = nullptr;
  uint64_t weightBytes = 0;
  void *library = nullptr;
  std::string libraryName; // for errors: "model.so" or "the executable"
  std::vector<KernelFn> kernels;
  HostRunFn hostRun = nullptr;
  int (*setThreads)(int) = nullptr;
  /// The widest slot or cache row, which bounds the rows a call may have;
  /// the widest per (row, row) and (row, context row) pair likewise.
  int64_t widestRow = 1, widestSquare = 0, widestCross = 0;

  ~r1rt_model() {
    if (library)
      dlclose(library);
  }

  /// An artifact folder: program.txt, weights.bin mapped, model.so loaded.
  bool open(const std::string &dir, unsigned flags, std::string &error) {
    std::string text;
    if (!readText(dir + "/program.txt", text, error) ||
        !parseProgram(text, program, error) || !checkCpu(error))
      return false;
    identity = programIdentity(text);
    // Check both files before loading any code from them. weights.bin is
    // checked in the mapping the kernels will read.
    for (const FileCheck &check : program.files) {
      MappedFile other;
      MappedFile &file = check.name == "weights.bin" ? weightsFile : other;
      if (!file.open(dir + "/" + check.name, error,
                     /*populate=*/&file == &weightsFile) ||
          !verifyFile(check, file.data, file.size,
                      !(flags & R1RT_OPEN_SKIP_CHECKSUMS), error))
        return false;
    }
    weights = weightsFile.data;
    weightBytes = weightsFile.size;
    std::string path = dir + "/model.so";
    library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!library) {
      error = std::string("cannot load model.so: ") + dlerror();
      return false;
    }
    libraryName = "model.so";
    return link(error);
  }

  /// The model r1c --emit=exe linked into this executable: its kernels and
  /// host program are the executable's own code, its files embedded data.
  bool openEmbedded(unsigned flags, std::string &error) {
    if (!r1_embedded_files) {
      error = "this executable has no embedded model";
      return false;
    }
    if (!embeddedTable(&error))
      return false;
    const r1_embedded_file *text = embeddedFile("program.txt"),
                           *data = embeddedFile("weights.bin");
    if (!text || !data) {
      error = "this executable has no embedded model";
      return false;
    }
    std::string_view programText(reinterpret_cast<const char *>(text->data),
                                 size_t(text->bytes));
    if (!parseProgram(programText, program, error) || !checkCpu(error))
      return false;
    identity = programIdentity(programText);
    for (const FileCheck &check : program.files)
      if (check.name == "weights.bin" &&
          !verifyFile(check, data->data, data->bytes,
                      !(flags & R1RT_OPEN_SKIP_CHECKSUMS), error))
        return false;
    if (reinterpret_cast<uintptr_t>(data->data) % 64) {
      error = "the embedded weights.bin is not 64-byte aligned";
      return false;
    }
    weights = data->data;
    weightBytes = data->bytes;
    library = dlopen(nullptr, RTLD_NOW);
    if (!library) {
      error = std::string("cannot look up this executable's symbols: ") +
              dlerror();
      return false;
    }
    libraryName = "the executable";
    return link(error);
  }

private:
  bool checkCpu(std::string &error) {
    for (const std::string &feature : program.features)
      if (!cpuHas(feature)) {
        error = "the model was compiled for " + program.target +
                ", which needs the CPU feature '" + feature +
                "' this CPU lacks; recompile with r1c --target=host";
        return false;
      }
    return true;
  }

  /// Resolves the kernels, the host program and the Halide runtime in
  /// `library`, and checks the host program against program.txt.
  bool link(std::string &error) {
    for (const Program::Weight &w : program.weights)
      if (w.offset > weightBytes || w.bytes > weightBytes - w.offset) {
        error = "a weight lies outside weights.bin";
        return false;
      }
    for (const std::string &symbol : program.kernels) {
      void *fn = dlsym(library, (symbol + "_argv").c_str());
      if (!fn) {
        error = libraryName + " has no kernel " + symbol;
        return false;
      }
      kernels.push_back(reinterpret_cast<KernelFn>(fn));
    }
    hostRun = reinterpret_cast<HostRunFn>(dlsym(library, "r1_host_run"));
    const char *layout =
        static_cast<const char *>(dlsym(library, "r1_host_layout"));
    if (!hostRun || !layout) {
      error = libraryName + " has no host program (" +
              (hostRun ? "r1_host_layout" : "r1_host_run") + ")";
      return false;
    }
    // The host program indexes slots, caches, weights, kernels and steps as
    // program.txt numbers them; a model.so from another compile would run
    // past them. Reading at most the expected length + 1 bytes stays inside
    // a shorter layout string, whose terminator ends the comparison.
    std::string expected = hostLayout(program);
    if (std::strncmp(layout, expected.c_str(), expected.size() + 1) != 0) {
      // Another r1c's host program calls back with other arguments.
      std::string version = "r1-host " + std::to_string(R1_HOST_VERSION) + " ";
      error =
          std::strncmp(layout, version.c_str(), version.size()) != 0
              ? libraryName + "'s host program is not " + version +
                    "(another r1c compiled it): rebuild the artifact "
                    "with this r1c"
              : "program.txt does not match " + libraryName + "'s host program";
      return false;
    }
    setThreads =
        reinterpret_cast<int (*)(int)>(dlsym(library, "halide_set_num_threads"));
    using ErrorHandler = void (*)(void *, const char *);
    auto setErrorHandler = reinterpret_cast<ErrorHandler (*)(ErrorHandler)>(
        dlsym(library, "halide_set_error_handler"));
    if (!setErrorHandler) {
      error = libraryName + " has no Halide runtime";
      return false;
    }
    setErrorHandler(recordKernelError);
    for (const Program::Slot &s : program.slots) {
      int64_t &widest = s.square  ? widestSquare
                        : s.cross ? widestCross
                                  : widestRow;
      widest = std::max(widest, s.width);
    }
    for (const Program::Cache &c : program.caches)
      widestRow = std::max(widestRow, c.width);
    // The experts step's scratch rows: top-k per token of width I or H.
    for (const Step &step : program.steps)
      if (step.kind == Step::Kind::Experts)
        widestRow = std::max(widestRow,
                             step.experts.topK * std::max(step.experts.intermediate,
                                                          step.experts.hidden));
    return true;
  }
};

struct r1rt_session {
  r1rt_model *model;
  std::vector<AlignedBuffer> slots;  // token capacity × width × 4 bytes
  std::vector<AlignedBuffer> caches; // cache capacity × width × 4 bytes
  std::vector<uint8_t *> slotData, cacheData; // their data(), for the frame
  // Memory-unit state (as of the call's start) and, per memrecord step, the
  // rows the current call has recorded for the end-of-call update.
  std::vector<std::vector<float>> states;
  std::vector<std::vector<float>> recorded;
  // MoE scratch: rows grouped by expert, and their intermediates.
  AlignedBuffer moeIn, moeAct, moeOut;
  int64_t cacheCapacity = 0;
  // The most tokens the session may hold: the model's context length or
  // less (r1rt_session_set_context); the caches never grow past it.
  int64_t contextLimit = 0;
  // Encoder inputs by name ("image", "audio") and the context rows they make.
  std::vector<std::pair<std::string, std::vector<float>>> inputs;
  int64_t contextRows = 0;
  int64_t position = 0;
  // A replayed program's tokens so far (it re-runs them every call).
  std::vector<int32_t> history;
  // The running call's tokens and cached rows after it, for runtime steps.
  int64_t callRows = 0, callLength = 0;
  int64_t callFresh = 0; // the rows new to the session (all unless replayed)
  bool callbackFailed = false; // a callback set `error` during the call
  std::string error;
  /// With R1RT_PROFILE set: seconds per kernel and how often layer-skip
  /// branches ran or skipped their layer, printed when the session ends.
  struct Profile {
    std::vector<double> seconds;
    int64_t branchTaken = 0, branchSkipped = 0;
  };
  std::unique_ptr<Profile> profile;

  explicit r1rt_session(r1rt_model *model)
      : model(model), slots(model->program.slots.size()),
        caches(model->program.caches.size()),
        slotData(model->program.slots.size()),
        cacheData(model->program.caches.size()),
        recorded(model->program.steps.size()),
        contextLimit(model->program.context) {
    resetState();
    if (std::getenv("R1RT_PROFILE")) {
      profile = std::make_unique<Profile>();
      profile->seconds.resize(model->program.kernels.size());
    }
  }

  ~r1rt_session() {
    if (!profile)
      return;
    for (size_t k = 0; k < profile->seconds.size(); ++k)
      std::fprintf(stderr, "r1rt: %-48s %9.3f ms\n",
                   model->program.kernels[k].c_str(),
                   profile->seconds[k] * 1e3);
    if (profile->branchTaken + profile->branchSkipped)
      std::fprintf(stderr, "r1rt: layer-skip branches: %lld ran, %lld skipped\n",
                   static_cast<long long>(profile->branchTaken),
                   static_cast<long long>(profile->branchSkipped));
  }

  /// The memory state back to the checkpoint's, nothing recorded.
  void resetState() {
    const Program &p = model->program;
    states.resize(p.states.size());
    for (size_t i = 0; i < p.states.size(); ++i) {
      const float *initial = reinterpret_cast<const float *>(
          model->weights + p.weights[p.states[i].initial].offset);
      states[i].assign(initial, initial + p.states[i].rows * p.states[i].width);
    }
    for (std::vector<float> &rows : recorded)
      rows.clear();
  }

  /// The session's state (SessionState.h) as views of its own buffers.
  SessionState stateView() const {
    const Program &p = model->program;
    auto bytes = [](const auto &values) {
      return ByteSpan{reinterpret_cast<const uint8_t *>(values.data()),
                      values.size() * sizeof(values[0])};
    };
    SessionState state;
    state.position = position;
    state.context = contextLimit;
    for (size_t c = 0; c < caches.size(); ++c)
      state.caches.push_back(
          {caches[c].data(), size_t(position * p.caches[c].width) * 4});
    for (const std::vector<float> &values : states)
      state.states.push_back(bytes(values));
    for (const std::vector<float> &rows : recorded)
      state.records.push_back(bytes(rows));
    state.history = bytes(history);
    for (const auto &[name, values] : inputs)
      state.inputs.push_back({name, bytes(values)});
    return state;
  }

  bool saveState(const std::string &path) {
    SessionState state = stateView();
    std::string message;
    if (!writeFileAtomically(
            path,
            [&](const ByteSink &sink) {
              return writeSessionState(model->program, model->identity, state,
                                       sink);
            },
            message))
      return fail(message);
    return true;
  }

  /// Replaces the state by the file's. Everything is parsed and checked,
  /// then built beside the session's own buffers and swapped in, so a
  /// failure (a bad file, out of memory) leaves the session as it was.
  bool loadState(const std::string &path) {
    MappedFile file;
    std::string message;
    SessionState state;
    if (!file.open(path, message))
      return fail(message);
    if (!parseSessionState(model->program, model->identity, file.data,
                           file.size, state, message))
      return fail(path + ": " + message);
    auto copy = [](const ByteSpan &from, auto &to) {
      to.resize(from.size / sizeof(to[0]));
      if (from.size)
        std::memcpy(to.data(), from.data, from.size);
    };
    std::vector<AlignedBuffer> newCaches(caches.size());
    for (size_t c = 0; c < caches.size(); ++c) {
      newCaches[c].grow(state.caches[c].size, /*keep=*/false);
      if (state.caches[c].size)
        std::memcpy(newCaches[c].data(), state.caches[c].data,
                    state.caches[c].size);
    }
    std::vector<std::vector<float>> newStates(states.size()),
        newRecorded(recorded.size());
    for (size_t i = 0; i < states.size(); ++i)
      copy(state.states[i], newStates[i]);
    for (size_t s = 0; s < recorded.size(); ++s)
      copy(state.records[s], newRecorded[s]);
    std::vector<int32_t> newHistory;
    copy(state.history, newHistory);
    std::vector<std::pair<std::string, std::vector<float>>> newInputs;
    for (const SessionState::Input &in : state.inputs) {
      newInputs.emplace_back(in.name, std::vector<float>());
      copy(in.values, newInputs.back().second);
    }
    // Nothing below allocates or fails.
    caches.swap(newCaches);
    for (size_t c = 0; c < caches.size(); ++c)
      cacheData[c] = caches[c].data();
    cacheCapacity = state.position;
    states.swap(newStates);
    recorded.swap(newRecorded);
    history.swap(newHistory);
    inputs.swap(newInputs);
    position = state.position;
    contextLimit = state.context;
    return true;
  }

  /// r1.memory_update over every row the call recorded, in order: the slot
  /// whose key is closest (largest dot product, first on ties) moves towards
  /// the row.
  void endCall() {
    const Program &p = model->program;
    for (size_t s = 0; s < p.steps.size(); ++s) {
      if (p.steps[s].kind != Step::Kind::MemoryRecord)
        continue;
      const Memory &m = p.steps[s].memory;
      std::vector<float> &keys = states[m.keys], &values = states[m.values];
      int64_t rows = p.states[m.keys].rows, width = p.states[m.keys].width;
      const std::vector<float> &hs = recorded[s];
      for (size_t h = 0; h + size_t(width) <= hs.size(); h += size_t(width)) {
        int64_t best = 0;
        float bestScore = -INFINITY;
        for (int64_t r = 0; r < rows; ++r) {
          float score = 0;
          for (int64_t c = 0; c < width; ++c)
            score += keys[size_t(r * width + c)] * hs[h + size_t(c)];
          if (score > bestScore) {
            bestScore = score;
            best = r;
          }
        }
        for (int64_t c = 0; c < width; ++c) {
          float x = hs[h + size_t(c)];
          float &k = keys[size_t(best * width + c)];
          float &v = values[size_t(best * width + c)];
          k = m.decay * k + (1 - m.decay) * x;
          v = m.decay * v + (1 - m.decay) * x;
        }
      }
      recorded[s].clear();
    }
  }

  /// LSH's sort: per column (round and head) of the bucket cache, the
  /// cached rows 0 .. length-1 counting-sorted by bucket (stable: positions
  /// ascend within a bucket), into the sorted and rank caches.
  bool lshSort(const LshSort &l, int64_t length) {
    int64_t width = model->program.caches[l.buckets].width;
    const int32_t *bucket = caches[l.buckets].as<int32_t>();
    int32_t *sorted = caches[l.sorted].as<int32_t>();
    int32_t *rank = caches[l.rank].as<int32_t>();
    std::vector<int64_t> start(size_t(l.count) + 1);
    for (int64_t c = 0; c < width; ++c) {
      std::fill(start.begin(), start.end(), 0);
      for (int64_t j = 0; j < length; ++j) {
        int32_t b = bucket[j * width + c];
        if (b < 0 || b >= l.count)
          return fail("an LSH bucket is out of range");
        ++start[size_t(b) + 1];
      }
      std::partial_sum(start.begin(), start.end(), start.begin());
      for (int64_t j = 0; j < length; ++j) {
        int64_t k = start[size_t(bucket[j * width + c])]++;
        sorted[k * width + c] = int32_t(j);
        rank[j * width + c] = int32_t(k);
      }
    }
    return true;
  }

  /// x + sigmoid(gate) ⊙ softmax(top-k of keys·x/√E)·values per row.
  void memoryRead(const Memory &m, int64_t n) {
    const Program &p = model->program;
    int64_t rows = p.states[m.keys].rows, width = p.states[m.keys].width;
    const float *x = slots[m.input].as<float>();
    const float *gate = slots[m.gate].as<float>();
    float *out = slots[m.output].as<float>();
    const std::vector<float> &keys = states[m.keys], &values = states[m.values];
    std::vector<float> scores(static_cast<size_t>(rows));
    std::vector<int32_t> order(static_cast<size_t>(rows));
    float norm = 1.0f / std::sqrt(float(width));
    for (int64_t t = 0; t < n; ++t) {
      const float *h = x + t * width;
      for (int64_t r = 0; r < rows; ++r) {
        float score = 0;
        for (int64_t c = 0; c < width; ++c)
          score += h[c] * keys[size_t(r * width + c)];
        scores[r] = score * norm;
      }
      std::iota(order.begin(), order.end(), 0);
      std::partial_sort(order.begin(), order.begin() + m.topK, order.end(),
                        [&](int32_t a, int32_t b) {
                          return scores[a] > scores[b] ||
                                 (scores[a] == scores[b] && a < b);
                        });
      float top = scores[order[0]], total = 0;
      for (int64_t j = 0; j < m.topK; ++j)
        total += std::exp(scores[order[j]] - top);
      float *o = out + t * width;
      for (int64_t c = 0; c < width; ++c) {
        float read = 0;
        for (int64_t j = 0; j < m.topK; ++j)
          read += std::exp(scores[order[j]] - top) / total *
                  values[size_t(order[j] * width + c)];
        float g = 1.0f / (1.0f + std::exp(-gate[t * width + c]));
        o[c] = h[c] + g * read;
      }
    }
  }

  bool fail(std::string message) {
    error = std::move(message);
    return false;
  }

  /// Rows of a slot in a call on `n` tokens.
  int64_t rowsOf(int64_t slot, int64_t n) const {
    const Program::Slot &s = model->program.slots[slot];
    return s.context  ? contextRows
           : s.square ? n * n
           : s.cross  ? n * contextRows
                      : n;
  }

  /// Grows the slot buffers for `n` tokens and the caches to `length` rows.
  void reserve(int64_t n, int64_t length) {
    const Program &p = model->program;
    for (size_t s = 0; s < slots.size(); ++s)
      slots[s].grow(size_t(rowsOf(int64_t(s), n) * p.slots[s].width) * 4,
                    /*keep=*/false);
    if (length > cacheCapacity) {
      int64_t capacity = std::min(
          std::max<int64_t>(length, 2 * cacheCapacity), contextLimit);
      for (size_t c = 0; c < caches.size(); ++c)
        caches[c].grow(size_t(capacity * p.caches[c].width) * 4,
                       /*keep=*/true);
      cacheCapacity = capacity;
    }
    // The buffers as the host program sees them; nothing reallocates them
    // until the next reserve().
    for (size_t s = 0; s < slots.size(); ++s)
      slotData[s] = slots[s].data();
    for (size_t c = 0; c < caches.size(); ++c)
      cacheData[c] = caches[c].data();
  }

  const std::vector<float> *input(const char *name) const {
    for (const auto &[key, data] : inputs)
      if (key == name)
        return &data;
    return nullptr;
  }

  /// The context rows the encoders make of the inputs, or failure.
  bool measureContext() {
    contextRows = 0;
    for (const Program::Encoder &e : model->program.encoders) {
      const char *name = e.image ? "image" : "audio";
      const std::vector<float> *data = input(name);
      if (!data)
        return fail(std::string("the model needs the '") + name +
                    "' input (r1rt_set_input)");
      if (e.image) {
        if (int64_t(data->size()) != e.channels * e.height * e.width)
          return fail("the image input needs " +
                      std::to_string(e.channels * e.height * e.width) +
                      " values (" + std::to_string(e.channels) + "×" +
                      std::to_string(e.height) + "×" + std::to_string(e.width) +
                      ")");
        contextRows += (e.height / e.patch) * (e.width / e.patch);
      } else {
        if (int64_t(data->size()) < e.length)
          return fail("the audio input is shorter than one frame (" +
                      std::to_string(e.length) + " samples)");
        contextRows += (int64_t(data->size()) - e.length) / e.hop + 1;
      }
    }
    return true;
  }

  /// Image patches (conv with stride = patch, row-major) plus position
  /// embedding, or audio frames, times the embedding plus bias, then
  /// LayerNorm; parts one after another.
  void encode(int64_t slot) {
    const Program &p = model->program;
    int64_t hidden = p.slots[slot].width;
    float *out = slots[slot].as<float>();
    auto weight = [&](int64_t w) {
      return reinterpret_cast<const float *>(model->weights +
                                             p.weights[w].offset);
    };
    int64_t row = 0;
    std::vector<float> patch;
    for (const Program::Encoder &e : p.encoders) {
      const std::vector<float> &data = *input(e.image ? "image" : "audio");
      const float *embed = weight(e.embed), *bias = weight(e.bias);
      int64_t rows = e.image ? (e.height / e.patch) * (e.width / e.patch)
                             : (int64_t(data.size()) - e.length) / e.hop + 1;
      int64_t in = e.image ? e.channels * e.patch * e.patch : e.length;
      patch.resize(size_t(in));
      for (int64_t r = 0; r < rows; ++r, ++row) {
        if (e.image) {
          int64_t py = r / (e.width / e.patch), px = r % (e.width / e.patch);
          for (int64_t c = 0; c < e.channels; ++c)
            for (int64_t y = 0; y < e.patch; ++y)
              for (int64_t x = 0; x < e.patch; ++x)
                patch[size_t((c * e.patch + y) * e.patch + x)] =
                    data[size_t((c * e.height + py * e.patch + y) * e.width +
                                px * e.patch + x)];
        } else {
          std::copy(data.begin() + r * e.hop, data.begin() + r * e.hop + in,
                    patch.begin());
        }
        float *o = out + row * hidden;
        for (int64_t h = 0; h < hidden; ++h) {
          float sum = bias[h];
          for (int64_t i = 0; i < in; ++i)
            sum += embed[h * in + i] * patch[size_t(i)];
          o[h] = sum + (e.image ? weight(e.position)[r * hidden + h] : 0.0f);
        }
        float mean = 0, var = 0;
        for (int64_t h = 0; h < hidden; ++h)
          mean += o[h];
        mean /= float(hidden);
        for (int64_t h = 0; h < hidden; ++h)
          var += (o[h] - mean) * (o[h] - mean);
        var /= float(hidden);
        float inv = 1.0f / std::sqrt(var + e.eps);
        const float *nw = weight(e.normWeight), *nb = weight(e.normBias);
        for (int64_t h = 0; h < hidden; ++h)
          o[h] = (o[h] - mean) * inv * nw[h] + nb[h];
      }
    }
  }

  /// Weight `arg` (the parser checked it is a weight with static dims that
  /// cover its bytes), from `offset` bytes into it.
  r1_host_arg weightArg(const Arg &arg, uint64_t offset) const {
    const Program::Weight &w = model->program.weights[size_t(arg.index)];
    r1_host_arg view{};
    view.host = const_cast<uint8_t *>(model->weights) + w.offset + offset;
    view.type_code = w.bf16 ? halide_type_uint : halide_type_float;
    view.type_bits = w.bf16 ? 16 : 32;
    view.dimensions = int64_t(arg.dims.size());
    std::copy(arg.dims.begin(), arg.dims.end(), view.extent);
    return view;
  }

  /// Calls kernel `k` on `args` (inputs, then the output): the host
  /// program's calls and the runtime's own.
  bool invoke(int64_t k, const r1_host_arg *args, size_t count) {
    halide_buffer_t buffers[kMaxKernelArgs];
    halide_dimension_t dims[kMaxKernelArgs][4];
    void *argv[kMaxKernelArgs];
    if (count > kMaxKernelArgs)
      return fail("a kernel call has more than " +
                  std::to_string(kMaxKernelArgs) + " arguments");
    for (size_t i = 0; i < count; ++i) {
      if (!fillBuffer(args[i], buffers[i], dims[i]))
        return fail("a kernel argument has " +
                    std::to_string(args[i].dimensions) + " dims, not 0 to 4");
      argv[i] = &buffers[i];
    }
    return callKernel(k, argv);
  }

  /// Calls kernel `k` on `argv` (one halide_buffer_t per argument), timed
  /// when profiling; a failure's message names the kernel and Halide's error.
  bool callKernel(int64_t k, void **argv) {
    auto begin = profile ? std::chrono::steady_clock::now()
                         : std::chrono::steady_clock::time_point();
    lastKernelError.clear(); // not an earlier call's message
    int status = model->kernels[k](argv);
    if (profile)
      profile->seconds[k] += std::chrono::duration<double>(
                                 std::chrono::steady_clock::now() - begin)
                                 .count();
    if (status != 0)
      return fail("kernel " + model->program.kernels[k] + " failed: " +
                  (lastKernelError.empty()
                       ? "Halide error " + std::to_string(status)
                       : lastKernelError));
    return true;
  }

  /// r1.router's selection on each token's router logits.
  bool route(const Route &r, int64_t n) {
    const float *logits = reinterpret_cast<const float *>(slots[r.logits].data());
    const float *bias =
        r.bias < 0 ? nullptr
                   : reinterpret_cast<const float *>(
                         model->weights + model->program.weights[r.bias].offset);
    auto *weights = reinterpret_cast<float *>(slots[r.weights].data());
    auto *indices = reinterpret_cast<int32_t *>(slots[r.indices].data());
    int64_t E = r.experts, size = E / r.groups;
    std::vector<float> scores(static_cast<size_t>(E)), choice(scores);
    std::vector<float> groupScore(static_cast<size_t>(r.groups));
    std::vector<int32_t> order(static_cast<size_t>(std::max(E, r.groups)));
    auto byScore = [](const std::vector<float> &v) {
      return [&v](int32_t a, int32_t b) {
        return v[a] > v[b] || (v[a] == v[b] && a < b);
      };
    };
    for (int64_t t = 0; t < n; ++t) {
      const float *l = logits + t * E;
      if (r.sigmoid) {
        for (int64_t e = 0; e < E; ++e)
          scores[e] = 1.0f / (1.0f + std::exp(-l[e]));
      } else {
        float top = *std::max_element(l, l + E), sum = 0;
        for (int64_t e = 0; e < E; ++e)
          sum += scores[e] = std::exp(l[e] - top);
        for (float &v : scores)
          v /= sum;
      }
      for (int64_t e = 0; e < E; ++e)
        choice[e] = scores[e] + (bias ? bias[e] : 0.0f);
      if (r.groups > 1) {
        // A group scores its top-2 sum (sigmoid) or its max (softmax); the
        // experts of groups outside the best topk_groups are never chosen.
        for (int64_t g = 0; g < r.groups; ++g) {
          const float *c = choice.data() + g * size;
          float first = -INFINITY, second = -INFINITY;
          for (int64_t e = 0; e < size; ++e) {
            if (c[e] > first) {
              second = first;
              first = c[e];
            } else if (c[e] > second) {
              second = c[e];
            }
          }
          groupScore[g] = r.sigmoid ? first + second : first;
        }
        std::iota(order.begin(), order.begin() + r.groups, 0);
        std::partial_sort(order.begin(), order.begin() + r.topkGroups,
                          order.begin() + r.groups, byScore(groupScore));
        std::vector<bool> keep(static_cast<size_t>(r.groups), false);
        for (int64_t g = 0; g < r.topkGroups; ++g)
          keep[order[g]] = true;
        for (int64_t e = 0; e < E; ++e)
          if (!keep[e / size])
            choice[e] = -INFINITY;
      }
      std::iota(order.begin(), order.begin() + E, 0);
      std::partial_sort(order.begin(), order.begin() + r.topK,
                        order.begin() + E, byScore(choice));
      float sum = 0;
      for (int64_t j = 0; j < r.topK; ++j) {
        indices[t * r.topK + j] = order[j];
        sum += weights[t * r.topK + j] = scores[order[j]];
      }
      for (int64_t j = 0; j < r.topK; ++j) {
        float &w = weights[t * r.topK + j];
        if (r.normalize && r.topK > 1)
          w /= sum + 1e-20f;
        w *= r.scaling;
      }
    }
    return true;
  }

  /// Routed experts: (token, choice) rows grouped by expert, one
  /// gate/up/act/down pass per expert that has rows (a decode step touches
  /// only the chosen experts' weights), each result written to its row.
  bool experts(const Experts &m, int64_t n) {
    const Program &p = model->program;
    int64_t rows = n * m.topK, H = m.hidden, I = m.intermediate;
    const float *in = slots[m.input].as<float>();
    const int32_t *idx = slots[m.indices].as<int32_t>();
    auto *out = slots[m.output].as<float>();
    // Counting sort of the (token, choice) rows by expert.
    std::vector<int64_t> start(static_cast<size_t>(m.experts) + 1, 0),
        order(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
      if (idx[r] < 0 || idx[r] >= m.experts)
        return fail("an expert index is out of range");
      ++start[size_t(idx[r]) + 1];
    }
    for (int64_t e = 0; e < m.experts; ++e)
      start[e + 1] += start[e];
    std::vector<int64_t> fill(start.begin(), start.end() - 1);
    for (int64_t r = 0; r < rows; ++r)
      order[size_t(fill[size_t(idx[r])]++)] = r;
    for (AlignedBuffer *b : {&moeIn, &moeOut})
      b->grow(size_t(rows * H) * 4, /*keep=*/false);
    moeAct.grow(size_t(rows * I) * 4, /*keep=*/false);
    float *xs = moeIn.as<float>(), *as = moeAct.as<float>(),
          *ys = moeOut.as<float>();
    for (int64_t r = 0; r < rows; ++r)
      std::memcpy(xs + r * H, in + order[r] / m.topK * H, size_t(H) * 4);
    auto expertView = [&](const Arg &arg, int64_t e) {
      return weightArg(arg, uint64_t(e) * (p.weights[arg.index].bytes /
                                           uint64_t(m.experts)));
    };
    auto rowsOf = [](float *data, int64_t width, int64_t rows) {
      return r1_host_arg{data, halide_type_float, 32, 2, {width, rows, 0, 0}};
    };
    for (int64_t e = 0; e < m.experts; ++e) {
      int64_t c = start[e + 1] - start[e], o = start[e];
      if (c == 0)
        continue;
      r1_host_arg x = rowsOf(xs + o * H, H, c);
      r1_host_arg a = rowsOf(as + o * I, I, c);
      r1_host_arg y = rowsOf(ys + o * H, H, c);
      r1_host_arg gatedCall[] = {x, expertView(m.gate, e), expertView(m.up, e),
                                 a};
      r1_host_arg downCall[] = {a, expertView(m.down, e), y};
      if (!invoke(m.gatedKernel, gatedCall, 4) ||
          !invoke(m.downKernel, downCall, 3))
        return false;
    }
    for (int64_t k = 0; k < rows; ++k)
      std::memcpy(out + order[k] * H, ys + k * H, size_t(H) * 4);
    return true;
  }

  /// Runtime step `s` of the running call (program.txt's step records).
  bool runStep(int64_t s) {
    const Program &p = model->program;
    const Step &step = p.steps[size_t(s)];
    switch (step.kind) {
    case Step::Kind::Encode:
      encode(step.slot);
      return true;
    case Step::Kind::Route:
      return route(step.route, callRows);
    case Step::Kind::Experts:
      return experts(step.experts, callRows);
    case Step::Kind::MemoryRead:
      memoryRead(step.memory, callRows);
      return true;
    case Step::Kind::LshSort:
      return lshSort(step.lshSort, callLength);
    case Step::Kind::MemoryRecord: {
      // The call's own rows: a replayed program's earlier ones are in.
      int64_t width = p.states[step.memory.keys].width;
      const float *x =
          slots[step.memory.input].as<float>() + (callRows - callFresh) * width;
      recorded[size_t(s)].insert(recorded[size_t(s)].end(), x,
                                 x + callFresh * width);
      return true;
    }
    }
    return fail("unknown runtime step");
  }

  /// A frame callback's status: 0, or 1 with the session's error set. No
  /// exception leaves a callback into the compiled host program.
  template <typename Body> int32_t callback(Body body) noexcept {
    bool ok = false;
    try {
      ok = body();
    } catch (const std::bad_alloc &) {
      error = "out of memory";
    } catch (...) {
      error = "runtime error"; // short: fits without allocating
    }
    callbackFailed |= !ok;
    return ok ? 0 : 1;
  }

  static int32_t hostCall(void *opaque, int64_t kernel, const r1_host_arg *args,
                          int64_t count) {
    auto *session = static_cast<r1rt_session *>(opaque);
    return session->callback([&] {
      if (kernel < 0 || size_t(kernel) >= session->model->kernels.size())
        return session->fail("the host program called kernel " +
                             std::to_string(kernel) + ", which does not exist");
      if (count < 0)
        return session->fail("the host program passed a kernel " +
                             std::to_string(count) + " arguments");
      return session->invoke(kernel, args, size_t(count));
    });
  }

  static int32_t hostStep(void *opaque, int64_t step) {
    auto *session = static_cast<r1rt_session *>(opaque);
    return session->callback([&] {
      if (step < 0 || size_t(step) >= session->model->program.steps.size())
        return session->fail("the host program ran step " +
                             std::to_string(step) + ", which does not exist");
      return session->runStep(step);
    });
  }

  static void hostBranch(void *opaque, int64_t ran) {
    auto *session = static_cast<r1rt_session *>(opaque);
    if (session->profile)
      ++(ran ? session->profile->branchTaken : session->profile->branchSkipped);
  }

  bool run(const int32_t *tokens, int64_t n, float *logits, bool lastOnly) {
    // A failed run leaves the session as it was, recorded rows included.
    std::vector<size_t> before;
    for (const std::vector<float> &rows : recorded)
      before.push_back(rows.size());
    size_t seen = history.size();
    auto rollBack = [&] {
      for (size_t s = 0; s < recorded.size(); ++s)
        recorded[s].resize(before[s]);
      history.resize(seen);
    };
    try {
      if (execute(tokens, n, logits, lastOnly))
        return true;
    } catch (...) { // out of memory: unchanged, then reported by the caller
      rollBack();
      throw;
    }
    rollBack();
    return false;
  }

  bool execute(const int32_t *tokens, int64_t fresh, float *logits,
               bool lastOnly) {
    const Program &p = model->program;
    if (fresh <= 0)
      return fail("no tokens to run");
    for (int64_t i = 0; i < fresh; ++i)
      if (tokens[i] < 0 || tokens[i] >= p.vocab)
        return fail("token id " + std::to_string(tokens[i]) +
                    " is outside the vocabulary [0, " +
                    std::to_string(p.vocab) + ")");
    if (fresh > contextLimit - position)
      return fail("the call would take the session to " +
                  std::to_string(position + fresh) +
                  " tokens, past its context of " +
                  std::to_string(contextLimit));
    // A replayed program runs every token so far from position 0.
    int64_t n = fresh, start = position;
    if (p.replay) {
      history.insert(history.end(), tokens, tokens + fresh);
      tokens = history.data();
      n = int64_t(history.size());
      start = 0;
    }
    // Every buffer must fit the kernels' int32 extents and products; plain
    // attention's scores are n × n (or n × context rows) per head.
    const int64_t limit = int64_t(1) << 31;
    int64_t length = start + n;
    if (length >= limit / model->widestRow ||
        (model->widestSquare && length >= limit / length / model->widestSquare))
      return fail("the sequence is too long for this model's buffers");
    if (!measureContext())
      return false;
    if (contextRows >= limit / model->widestRow ||
        (model->widestCross &&
         contextRows * n >= limit / model->widestCross))
      return fail("the encoder context is too long for this model's buffers");
    reserve(n, length);
    std::memcpy(slots[p.ids].data(), tokens, size_t(n) * 4);
    auto *positions = reinterpret_cast<int32_t *>(slots[p.positions].data());
    for (int64_t i = 0; i < n; ++i)
      positions[i] = int32_t(start + i);

    r1_host_frame frame{};
    frame.session = this;
    frame.slots = slotData.data();
    frame.caches = cacheData.data();
    frame.weights = model->weights;
    frame.rows = n;
    frame.position = start;
    frame.context_rows = contextRows;
    frame.last_only = lastOnly;
    frame.call = hostCall;
    frame.step = hostStep;
    frame.branch = hostBranch;
    callRows = n;
    callLength = length;
    callFresh = fresh;
    callbackFailed = false;
    if (int32_t status = model->hostRun(&frame)) {
      if (!callbackFailed)
        fail("the host program failed with status " + std::to_string(status));
      return false;
    }
    // The logits of the call's own tokens: the last `fresh` rows.
    const uint8_t *rows = slots[p.logits].data();
    size_t rowBytes = size_t(p.vocab) * sizeof(float);
    if (logits && lastOnly)
      std::memcpy(logits, rows + size_t(n - 1) * rowBytes, rowBytes);
    else if (logits)
      std::memcpy(logits, rows + size_t(n - fresh) * rowBytes,
                  size_t(fresh) * rowBytes);
    position = length;
    return true;
  }
};

static int prefill(r1rt_session *session, const int32_t *tokens, size_t n,
                   float *logits, bool lastOnly) {
  if (n > size_t(1) << 30)
    return session->fail("too many tokens in one call"), -1;
  try {
    return session->run(tokens, int64_t(n), logits, lastOnly) ? 0 : -1;
  } catch (const std::bad_alloc &) {
    return session->fail("out of memory"), -1;
  }
}

extern "C" {

r1rt_model *r1rt_open(const char *dir, unsigned flags, char *error,
                      size_t error_size) {
  auto model = std::make_unique<r1rt_model>();
  std::string message;
  if (!dir) {
    message = "no artifact folder given";
  } else if (model->open(dir, flags, message)) {
    return model.release();
  }
  if (error && error_size) {
    std::string text = std::string(dir ? dir : "") + ": " + message;
    std::strncpy(error, text.c_str(), error_size - 1);
    error[error_size - 1] = '\0';
  }
  return nullptr;
}

r1rt_model *r1rt_open_embedded(unsigned flags, char *error,
                               size_t error_size) {
  auto model = std::make_unique<r1rt_model>();
  std::string message;
  if (model->openEmbedded(flags, message))
    return model.release();
  if (error && error_size) {
    std::strncpy(error, message.c_str(), error_size - 1);
    error[error_size - 1] = '\0';
  }
  return nullptr;
}

int r1rt_has_embedded_model(void) { return r1_embedded_files != nullptr; }

const char *r1rt_embedded_file(const char *name, size_t *size) {
  // embeddedFile checks the executable and its table first.
  const r1_embedded_file *file = name ? embeddedFile(name) : nullptr;
  if (size)
    *size = file ? size_t(file->bytes) : 0;
  return file ? reinterpret_cast<const char *>(file->data) : nullptr;
}

void r1rt_close(r1rt_model *model) { delete model; }

int64_t r1rt_vocab_size(const r1rt_model *model) {
  return model->program.vocab;
}

int64_t r1rt_num_labels(const r1rt_model *model) {
  return model->program.classifier.labels;
}

int r1rt_classify(r1rt_session *session, const int32_t *tokens, size_t n,
                  float *label_logits) {
  const Program &p = session->model->program;
  const auto &c = p.classifier;
  if (!c.labels)
    return session->fail("the model has no classification head"), -1;
  if (session->position != 0)
    return session->fail("classify needs a session with no tokens"), -1;
  // Mean pooling needs every row of the final hidden state.
  if (prefill(session, tokens, n, nullptr, /*lastOnly=*/!c.mean) != 0)
    return -1;
  int64_t width = p.slots[c.hidden].width;
  const float *hidden = session->slots[c.hidden].as<float>();
  std::vector<float> pooled(hidden + (int64_t(n) - 1) * width,
                            hidden + int64_t(n) * width);
  if (c.mean) {
    std::fill(pooled.begin(), pooled.end(), 0.0f);
    for (size_t t = 0; t < n; ++t)
      for (int64_t i = 0; i < width; ++i)
        pooled[size_t(i)] += hidden[int64_t(t) * width + i] / float(n);
  }
  const uint8_t *weights = session->model->weights;
  const float *w = reinterpret_cast<const float *>(weights + p.weights[c.weight].offset);
  const float *b = c.bias < 0 ? nullptr
                              : reinterpret_cast<const float *>(
                                    weights + p.weights[c.bias].offset);
  for (int64_t l = 0; l < c.labels; ++l) {
    float sum = b ? b[l] : 0.0f;
    for (int64_t i = 0; i < width; ++i)
      sum += w[l * width + i] * pooled[size_t(i)];
    label_logits[l] = sum;
  }
  session->endCall();
  session->position = 0;
  session->history.clear();
  return 0;
}

const char *r1rt_target(const r1rt_model *model) {
  return model->program.target.c_str();
}

void r1rt_set_threads(r1rt_model *model, int threads) {
  if (model->setThreads && threads > 0)
    model->setThreads(threads);
}

r1rt_session *r1rt_session_create(r1rt_model *model) {
  return new r1rt_session(model);
}

void r1rt_session_destroy(r1rt_session *session) { delete session; }

int r1rt_prefill(r1rt_session *session, const int32_t *tokens, size_t n,
                 float *logits) {
  return prefill(session, tokens, n, logits, false);
}

int r1rt_prefill_last(r1rt_session *session, const int32_t *tokens, size_t n,
                      float *logits) {
  return prefill(session, tokens, n, logits, true);
}

int r1rt_decode(r1rt_session *session, int32_t token, float *logits) {
  return r1rt_prefill(session, &token, 1, logits);
}

int64_t r1rt_position(const r1rt_session *session) {
  return session->position;
}

int64_t r1rt_context_length(const r1rt_model *model) {
  return model->program.context;
}

int64_t r1rt_session_context(const r1rt_session *session) {
  return session->contextLimit;
}

int r1rt_session_set_context(r1rt_session *session, int64_t tokens) {
  int64_t most = session->model->program.context;
  if (tokens < 1 || tokens > most)
    return session->fail("a context of " + std::to_string(tokens) +
                         " tokens is outside [1, " + std::to_string(most) +
                         "], the model's context length"),
           -1;
  if (tokens < session->position)
    return session->fail("the session already holds " +
                         std::to_string(session->position) +
                         " tokens, more than a context of " +
                         std::to_string(tokens)),
           -1;
  session->contextLimit = tokens;
  return 0;
}

int r1rt_set_input(r1rt_session *session, const char *name, const float *data,
                   const int64_t *shape, size_t rank) {
  if (!name || (std::strcmp(name, "image") != 0 &&
                std::strcmp(name, "audio") != 0))
    return session->fail("inputs are 'image' and 'audio'"), -1;
  const Program::Encoder *encoder = nullptr;
  for (const auto &e : session->model->program.encoders)
    if (std::strcmp(name, e.image ? "image" : "audio") == 0)
      encoder = &e;
  if (!encoder)
    return session->fail(std::string("the model has no ") + name +
                         " encoder"),
           -1;
  auto shapeText = [&] {
    std::string text = "[";
    for (size_t i = 0; i < rank; ++i)
      text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
  };
  // The shape is checked, not only the count: an HWC image has a CHW one's.
  uint64_t count = 0;
  if (encoder->image) {
    const int64_t want[3] = {encoder->channels, encoder->height,
                             encoder->width};
    if (rank != 3 || !shape || !std::equal(want, want + 3, shape))
      return session->fail("the image input must have shape [" +
                           std::to_string(want[0]) + ", " +
                           std::to_string(want[1]) + ", " +
                           std::to_string(want[2]) +
                           "] (channels, height, width), got " +
                           (shape ? shapeText() : std::string("none"))),
             -1;
    count = uint64_t(want[0] * want[1] * want[2]);
  } else {
    if (rank != 1 || !shape || shape[0] < encoder->length ||
        shape[0] > (int64_t(1) << 28))
      return session->fail("the audio input must have shape [samples] with "
                           "at least " + std::to_string(encoder->length) +
                           " samples (one frame), got " +
                           (shape ? shapeText() : std::string("none"))),
             -1;
    count = uint64_t(shape[0]);
  }
  if (!data)
    return session->fail(std::string("the ") + name + " input is missing"), -1;
  for (uint64_t i = 0; i < count; ++i)
    if (!std::isfinite(data[i]))
      return session->fail(std::string("the ") + name + " input has a " +
                           "non-finite value (NaN or infinity) at element " +
                           std::to_string(i)),
             -1;
  for (auto &[key, values] : session->inputs)
    if (key == name) {
      values.assign(data, data + count);
      return 0;
    }
  session->inputs.emplace_back(name, std::vector<float>(data, data + count));
  return 0;
}

void r1rt_end_call(r1rt_session *session) { session->endCall(); }

int r1rt_save_state(r1rt_session *session, const char *path) {
  if (!path)
    return session->fail("no state file given"), -1;
  try {
    return session->saveState(path) ? 0 : -1;
  } catch (const std::bad_alloc &) {
    return session->fail(std::string(path) + ": out of memory"), -1;
  }
}

int r1rt_load_state(r1rt_session *session, const char *path) {
  if (!path)
    return session->fail("no state file given"), -1;
  try {
    return session->loadState(path) ? 0 : -1;
  } catch (const std::bad_alloc &) {
    return session->fail(std::string(path) + ": out of memory"), -1;
  }
}

void r1rt_forget_tokens(r1rt_session *session) {
  session->position = 0;
  session->history.clear();
}

void r1rt_reset(r1rt_session *session) {
  session->position = 0;
  session->history.clear();
  session->resetState();
}

const char *r1rt_session_error(const r1rt_session *session) {
  return session->error.c_str();
}

} // extern "C"
