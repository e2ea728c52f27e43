#pragma once
// Ownership of a PETSc object (DM, TS, Vec, PetscSection, PetscSF): destroyed when the handle
// goes, also when a constructor throws half-way, so nothing leaks; not destroyed on a rank that
// failed alone (the destroy may be collective; parallel/failure.hpp), where the job is aborted.
#include <petscdm.h>
#include <petscsection.h>
#include <petscsf.h>
#include <petscts.h>

#include <utility>

#include "parallel/failure.hpp"

namespace attnflow::continuum {

template <class Object, PetscErrorCode (*destroy)(Object*)>
class PetscHandle {
 public:
  PetscHandle() = default;
  explicit PetscHandle(Object object) : object_(object) {}
  PetscHandle(const PetscHandle&) = delete;
  PetscHandle& operator=(const PetscHandle&) = delete;
  PetscHandle(PetscHandle&& other) noexcept : object_(std::exchange(other.object_, nullptr)) {}
  PetscHandle& operator=(PetscHandle&& other) noexcept {
    if (this != &other) reset(std::exchange(other.object_, nullptr));
    return *this;
  }
  ~PetscHandle() { reset(); }

  // Destroys the object held (if any) and takes `object`.
  void reset(Object object = nullptr) {
    if (object_ && parallel::collective_cleanup_allowed()) destroy(&object_);
    object_ = object;
  }
  // For PETSc's creation calls: XCreate(..., handle.address()).
  Object* address() {
    reset();
    return &object_;
  }
  operator Object() const { return object_; }
  Object get() const { return object_; }

 private:
  Object object_ = nullptr;
};

using DMHandle = PetscHandle<DM, DMDestroy>;
using TSHandle = PetscHandle<TS, TSDestroy>;
using VecHandle = PetscHandle<Vec, VecDestroy>;
using SectionHandle = PetscHandle<PetscSection, PetscSectionDestroy>;
using StarForestHandle = PetscHandle<PetscSF, PetscSFDestroy>;

}  // namespace attnflow::continuum
