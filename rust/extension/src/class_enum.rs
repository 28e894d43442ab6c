//! Named class enums (`RustHTTPClient.Status`) with engine-identical signatures.
//!
//! gdext 0.5's `#[constant]` registers plain integers only, so `RustHTTPClient.Status.X` and
//! `var s: RustHTTPClient.Status` would not parse. [`class_enum!`] declares a newtype over `i64`
//! whose shape carries the Godot enum name (so method signatures show `RustHTTPClient.Status`,
//! usage `CLASS_IS_ENUM`, exactly like `HTTPClient.Status`) and registers the enumerators as an
//! enum of the class at `InitStage::Scene`, through gdext's hidden registration API (pinned
//! `godot = "=0.5.5"`; see shared gdext notes §1).
//!
//! The newtype accepts any integer, so a method can reject an out-of-range value with Godot's
//! own error code instead of gdext's conversion failure (which would return `OK`).

/// Declares a class enum newtype. See the module docs.
macro_rules! class_enum {
    (
        $(#[$meta:meta])*
        pub struct $Name:ident for $godot_name:literal {
            $( $(#[doc = $vdoc:literal])* $VARIANT:ident = $value:expr ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct $Name(pub i64);

        #[allow(dead_code)]
        impl $Name {
            $( $(#[doc = $vdoc])* pub const $VARIANT: $Name = $Name($value); )*

            const ENUMERATORS: &'static [godot::meta::shape::EnumeratorShape] = &[
                $( godot::meta::shape::EnumeratorShape::new_int(stringify!($VARIANT), $value) ),*
            ];

            /// Editor help for the enumerators: (name, value, `///` text). gdext's docs only
            /// cover `#[constant]`s, so `crate::docs` adds these to the class XML.
            pub const DOCS: &'static [(&'static str, i64, &'static str)] = &[
                $( (stringify!($VARIANT), $value, concat!($($vdoc, "\n",)*)) ),*
            ];

            /// The enum's name inside its class (`Status` for `RustHTTPClient.Status`).
            pub fn enum_name() -> &'static str {
                $godot_name.rsplit('.').next().unwrap_or($godot_name)
            }

            /// Registers the enumerators as the enum `<Class>.<Enum>` of the class.
            pub fn register(class_id: godot::meta::ClassId) {
                use godot::register::private::constant::{ConstantKind, ExportConstant, IntegerConstant};
                let enum_name = $godot_name.rsplit('.').next().unwrap_or($godot_name);
                let enumerators = Self::ENUMERATORS
                    .iter()
                    .map(|e| IntegerConstant::new(&e.name, e.value.unwrap_or_default()))
                    .collect();
                ExportConstant::new(
                    class_id,
                    ConstantKind::Enum { name: godot::builtin::StringName::from(enum_name), enumerators },
                )
                .register();
            }
        }

        impl godot::meta::GodotConvert for $Name {
            type Via = i64;
            fn godot_shape() -> godot::meta::shape::GodotShape {
                godot::meta::shape::GodotShape::Enum {
                    variant_type: godot::builtin::VariantType::INT,
                    enumerators: std::borrow::Cow::Borrowed(Self::ENUMERATORS),
                    godot_name: Some(std::borrow::Cow::Borrowed($godot_name)),
                    is_bitfield: false,
                }
            }
        }

        impl godot::meta::ToGodot for $Name {
            type Pass = godot::meta::conv::ByValue;
            fn to_godot(&self) -> i64 {
                self.0
            }
        }

        // SAFETY: a plain integer newtype; a default value of it can't be mutated or shared.
        unsafe impl godot::meta::GodotImmutable for $Name {}

        impl godot::meta::FromGodot for $Name {
            fn try_from_godot(v: i64) -> Result<Self, godot::meta::error::ConvertError> {
                Ok($Name(v))
            }
        }
    };
}

pub(crate) use class_enum;
